"""`load(kind)` -> a trained model whose `translate(text)` decodes greedily, step by step.

A Translation holds what the page draws: each step's chosen word with its top-k and <eos>
probabilities, the cross-attention [tgt, src] (None for the context-vector models), the
transformer's decoder self-attention [tgt, tgt], the context vector the decoder starts from,
and the grammar's reference translation with its true alignment when the input is a sentence
of the grammar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from core.capture import capture
from core.labs.seq2seq.data import ids
from core.labs.seq2seq.grammar import GrammarError, Pair, unknown_words, words_of
from core.labs.seq2seq.grammar import translate as reference
from core.labs.seq2seq.models import BOS, EOS, MAX_LEN, VOCAB
from core.labs.seq2seq.train import load_trained

MAX_WORDS = 60  # longer input is refused: the models were trained on 3-35 words (max_len 64)


class InputError(ValueError):
    """The text cannot be translated; `unknown` maps unknown words to nearby known words."""

    def __init__(self, message: str, unknown: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.unknown = unknown or {}


def parse(text: str) -> list[str]:
    """The known words of `text` (lower case, edge punctuation dropped) or InputError."""
    words = words_of(text)
    if not words:
        raise InputError("Type an English sentence in the grammar's words, e.g. “the red car sees a dog”.")
    if len(words) > MAX_WORDS:
        raise InputError(f"The text has {len(words)} words; these models read at most {MAX_WORDS} "
                         "(they were trained on sentences of 3 to 35 words).")
    unknown = unknown_words(words)
    if unknown:
        parts = [f"“{w}” (nearby: {', '.join(near)})" if near else f"“{w}” (no known word is close)"
                 for w, near in unknown.items()]
        raise InputError("Not in the grammar's vocabulary: " + "; ".join(parts) + ".", unknown)
    return words


@dataclass
class DecodeStep:
    """One greedy step: the chosen word, its probability, the top-k words with probabilities
    (descending) and the probability of <eos>."""

    token: str
    prob: float
    top: list[tuple[str, float]]
    eos_prob: float


@dataclass
class Translation:
    """source: the words read; target: the words written, ending with '<eos>' when the model
    stopped; steps[i] produced target[i].

    cross_attention [len(target), len(source)]: the weights each step gave the source words
    (transformer: mean over heads of the last decoder layer), None for context-vector models;
    cross_heads [layers, heads, tgt, src] and self_attention [layers, heads, tgt, tgt]
    (causal) for the transformer only; context [hidden]: what the GRU decoder starts from.
    reference: the grammar's translation and alignment, or None with `grammar_note` saying why.
    """

    kind: str
    source: list[str]
    target: list[str]
    steps: list[DecodeStep]
    cross_attention: np.ndarray | None = None
    cross_heads: np.ndarray | None = None
    self_attention: np.ndarray | None = None
    context: np.ndarray | None = None
    reference: Pair | None = None
    grammar_note: str | None = None
    stopped: bool = field(default=True)

    @property
    def words(self) -> list[str]:
        """The translation without <eos>."""
        return [t for t in self.target if t != "<eos>"]

    @property
    def correct(self) -> bool | None:
        """Equal to the grammar's reference (None when there is none)."""
        return None if self.reference is None else tuple(self.words) == self.reference.target


def _step(probs: torch.Tensor, top_k: int) -> tuple[int, DecodeStep]:
    """probs [vocab] -> (chosen id, DecodeStep)."""
    p, i = probs.topk(top_k)
    choice = int(i[0])
    return choice, DecodeStep(VOCAB[choice], float(p[0]), [(VOCAB[int(j)], float(q)) for q, j in zip(p, i)],
                              float(probs[EOS]))


class Seq2SeqModel:
    """A trained seq2seq model (`kind`, its nn.Module `net`, its training `record`)."""

    def __init__(self, kind: str, net: nn.Module, record: dict[str, Any]) -> None:
        self.kind, self.net, self.record = kind, net.eval(), record

    def __repr__(self) -> str:
        return f"Seq2SeqModel({self.kind!r})"

    @torch.no_grad()
    def translate(self, text: str | list[str], top_k: int = 5, max_steps: int = MAX_LEN - 1) -> Translation:
        """Greedy decoding to <eos> (or max_steps). Raises InputError for text it cannot read."""
        words = parse(text) if isinstance(text, str) else parse(" ".join(text))
        src = torch.tensor([ids(words)])
        mask = torch.ones_like(src, dtype=torch.bool)
        chosen, steps, rows = [BOS], [], []
        memo = self.net.start(src, mask) if self.kind != "transformer" else None
        for _ in range(max_steps):
            if memo is not None:
                logits, alpha = self.net.step(torch.tensor([chosen[-1]]), memo)
                if alpha is not None:
                    rows.append(alpha[0].numpy())
            else:
                logits = self.net(src, mask, torch.tensor([chosen]))[0][0, -1]
            nxt, step = _step(torch.softmax(logits.reshape(-1).float(), -1), top_k)
            chosen.append(nxt)
            steps.append(step)
            if nxt == EOS:
                break
        out = Translation(self.kind, words, [s.token for s in steps], steps, stopped=chosen[-1] == EOS)
        if memo is not None:
            out.context = memo["context"][0].numpy()
            out.cross_attention = np.stack(rows) if rows else None
        else:
            self._transformer_attention(out, src, chosen)
        try:
            out.reference = reference(words)
        except GrammarError as exc:
            out.grammar_note = str(exc)
        return out

    def _transformer_attention(self, out: Translation, src: torch.Tensor, chosen: list[int]) -> None:
        """One capture of the decoder inputs of every step (causal: row t = step t)."""
        net = self.net.model
        cap = capture(net, src, target_ids=torch.tensor([chosen[:-1]]),
                      names=["decoder.*.cross_attn.weights", "decoder.*.self_attn.weights"])
        n = net.cfg.n_layers
        out.cross_heads = np.stack([cap[f"decoder.{i}.cross_attn.weights"][0].numpy() for i in range(n)])
        out.self_attention = np.stack([cap[f"decoder.{i}.self_attn.weights"][0].numpy() for i in range(n)])
        out.cross_attention = out.cross_heads[-1].mean(0)


def load(kind: str) -> Seq2SeqModel:
    """The shipped model of `kind` (one of models.KINDS)."""
    net, record = load_trained(kind)
    return Seq2SeqModel(kind, net, record)
