"""Order matters: the same encoder weights on a sentence and on a permutation of it.

Without positions, self-attention is permutation-equivariant: permute the input words and
every attention row and every output vector is permuted the same way, nothing else changes.
So "the dog ate the cat" and "the cat ate the dog" give each word *identical* results: the
model cannot know who ate whom. Add a positional encoding and the results differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.capture import Capture, capture
from core.config import TransformerConfig
from core.labs.attention_stats import word_labels, word_level
from core.model import Transformer
from core.rng import seeded


@dataclass(frozen=True)
class OrderResult:
    """Per-word results of one encoder on sentence A and on B (a permutation of A).

    words_a, words_b: the words; perm: B's position of each word of A (words_b[perm[i]] ==
    words_a[i]). Arrays are aligned to A's word order:
    weights_a, weights_b: [layers, heads, words, words] attention weights (B's rows *and*
    columns re-ordered to A's words); output_a, output_b: [words, d_model] last-layer residual
    stream. weight_diff, output_diff: max |A - B| after alignment (0 for kind "none").
    """

    kind: str
    words_a: list[str]
    words_b: list[str]
    perm: list[int]
    weights_a: np.ndarray
    weights_b: np.ndarray
    output_a: np.ndarray
    output_b: np.ndarray
    weight_diff: float
    output_diff: float

    @property
    def output_diff_per_word(self) -> np.ndarray:
        """max |A - B| of each word's output vector [words] (after alignment)."""
        return np.abs(self.output_a - self.output_b).max(axis=1)


def align(words_a: list[str], words_b: list[str]) -> list[int]:
    """perm with words_b[perm[i]] == words_a[i]; repeated words keep their relative order.
    ValueError when B is not a permutation of A."""
    if sorted(words_a) != sorted(words_b):
        raise ValueError(f"sentence B must use exactly the words of A in another order; "
                         f"got {words_a} and {words_b}")
    used: set[int] = set()
    perm = []
    for w in words_a:
        j = next(j for j, v in enumerate(words_b) if v == w and j not in used)
        used.add(j)
        perm.append(j)
    return perm


def order_matters(kind: str, sentence_a: str = "the dog ate the cat",
                  sentence_b: str = "the cat ate the dog", *, seed: int = 0, d_model: int = 32,
                  n_heads: int = 4, n_layers: int = 2) -> OrderResult:
    """Run one freshly initialised (seeded, float64) encoder with positional encoding `kind`
    on both sentences and compare each word's attention rows and outputs (see OrderResult).

    The vocabulary is the sentences' own words (sorted). The same seed gives the same weights
    for every kind that has no parameters of its own, so "none" and "sinusoidal" differ only
    by the encoding. ValueError (a message for the learner) when a sentence has no words or B
    is not a permutation of A.
    """
    words_a, words_b = sentence_a.lower().split(), sentence_b.lower().split()
    for name, words in (("A", words_a), ("B", words_b)):
        if not words:
            raise ValueError(f"sentence {name} is empty: type a sentence with at least one word")
    perm = align(words_a, words_b)
    vocab = sorted(set(words_a))
    cfg = TransformerConfig(arch="encoder", vocab_size=len(vocab), d_model=d_model, n_heads=n_heads,
                            n_layers=n_layers, d_ff=2 * d_model, max_len=max(len(words_a), 2),
                            positional=kind)
    with seeded(seed):  # the global RNG is restored after
        model = Transformer(cfg).double().eval()

    def run(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = torch.tensor([[vocab.index(w) for w in words]])
        cap = capture(model, ids, names=["*.self_attn.weights", f"encoder.{n_layers - 1}.resid_post"],
                      tokens=words)
        weights = cap.stacked("weights")  # [layers, heads, q, k]
        return weights.numpy(), cap[f"encoder.{n_layers - 1}.resid_post"][0].numpy()

    wa, oa = run(words_a)
    wb, ob = run(words_b)
    p = np.array(perm)
    wb, ob = wb[:, :, p][:, :, :, p], ob[p]
    return OrderResult(kind, words_a, words_b, perm, wa, wb, oa, ob,
                       float(np.abs(wa - wb).max()), float(np.abs(oa - ob).max()))


# --------------------------------------------------------------------------- captures, word by word

@dataclass(frozen=True)
class WordAlignment:
    """Two captures of sentences made of the same words, compared word for word.

    words: A's words (sub-word pieces joined; special tokens are words of their own);
    perm: B's word index of each word of A; weights_a, weights_b: word-level weights
    [layers, heads, words, words] (key pieces summed, query pieces averaged: rows sum to 1),
    B's rows and columns re-ordered to A's words.
    """

    words: list[str]
    perm: list[int]
    weights_a: np.ndarray
    weights_b: np.ndarray

    @property
    def max_diff(self) -> float:
        """max |A - B| over every layer, head and word pair."""
        return float(np.abs(self.weights_a - self.weights_b).max())


def capture_words(cap: Capture, stack: str = "encoder",
                  block: str = "self_attn") -> tuple[list[str], np.ndarray]:
    """(word labels, word-level weights [layers, heads, words, words]) of a self-attention block."""
    groups = [list(g) for g in (cap.meta.get("words") or [[i] for i in range(len(cap.tokens))])]
    weights = word_level(cap.stacked("weights", stack, block), groups)
    return word_labels(cap.tokens, groups), weights


def align_captures(cap_a: Capture, cap_b: Capture, stack: str = "encoder",
                   block: str = "self_attn") -> WordAlignment | None:
    """Word-for-word comparison of two captures, or None when B's words are not A's in another order."""
    words_a, wa = capture_words(cap_a, stack, block)
    words_b, wb = capture_words(cap_b, stack, block)
    try:
        perm = align([w.lower() for w in words_a], [w.lower() for w in words_b])
    except ValueError:
        return None
    p = np.array(perm)
    return WordAlignment(words_a, perm, wa, wb[:, :, p][:, :, :, p])


def swapped_sentence(text: str) -> str:
    """The sidebar sentence with words 2 and 5 swapped ("The dog ate the cat" -> "The cat ate the
    dog"), or its first and last words when it has fewer than five; the text itself for one word."""
    words = text.split()
    if len(words) < 2:
        return text
    i, j = (1, 4) if len(words) >= 5 else (0, len(words) - 1)
    words[i], words[j] = words[j], words[i]
    return " ".join(words)
