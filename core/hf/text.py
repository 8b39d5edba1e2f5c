"""Text in, tokens out: the input checks and the tokenization every loaded model shares.

check_text refuses what is not a sentence; encode tokenizes text (and an optional pair) with an
HF tokenizer, cuts it at max_tokens and returns an Encoded: the model inputs ([1, pos] tensors),
the display tokens, words and segments. is_byte_level / tokenizer_kind describe a tokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import torch

from core.hf.tokens import clean_tokens, group_words

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_CHARS = 100_000  # longer text is refused before tokenizing (a paste accident, not a sentence)


@dataclass
class Encoded:
    """One tokenized input. inputs: tensors for the model, each [1, pos]."""

    inputs: dict[str, torch.Tensor]
    raw_tokens: list[str]
    tokens: list[str]
    words: list[list[int]]
    segments: list[int]
    n_original: int
    target_ids: torch.Tensor | None = None
    target_raw: list[str] | None = None
    target_tokens: list[str] | None = None

    @property
    def input_ids(self) -> torch.Tensor:
        return self.inputs["input_ids"]

    @property
    def truncated(self) -> bool:
        return self.n_original > self.input_ids.shape[1]


def check_text(text: Any, what: str = "text") -> str:
    """A non-empty string of at most MAX_CHARS characters, or a ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"{what} has {len(text):,} characters; give at most {MAX_CHARS:,} "
                         "(longer inputs are cut to the model's context anyway)")
    surrogate = _LONE_SURROGATE.search(text)
    if surrogate:
        raise ValueError(f"{what} contains a lone surrogate (U+{ord(surrogate.group()):04X}) at character "
                         f"{surrogate.start()}: half of a UTF-16 pair is not text; remove it or pass the "
                         "whole character")
    if not any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in text):  # any: stops early
        raise ValueError(f"{what} is empty (or only whitespace / control characters): type a sentence")
    return text


def is_byte_level(tokenizer) -> bool:
    """True for GPT-2 style byte-level BPE tokenizers (pieces are bytes mapped to characters)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return False
    return "ByteLevel" in repr(backend.pre_tokenizer) or "ByteLevel" in repr(backend.decoder)


def tokenizer_kind(tokenizer) -> str:
    """'wordpiece' | 'bpe' | 'byte-level bpe' | 'unigram' | the tokenizer class name."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return type(tokenizer).__name__
    kind = type(backend.model).__name__.lower()
    return f"byte-level {kind}" if kind == "bpe" and is_byte_level(tokenizer) else kind


def encode(tokenizer, text: str, pair: str | None, max_tokens: int, accepted: set[str] | None = None,
           byte_level: bool = False) -> Encoded:
    """Tokenize `text` (and `pair`), cut at `max_tokens` tokens, with display tokens and words."""
    text = check_text(text)
    if pair is not None:
        pair = check_text(pair, "pair")
    kwargs = dict(return_tensors="pt", verbose=False)
    enc = tokenizer(text, pair, truncation=False, **kwargs)
    n_original = int(enc["input_ids"].shape[1])
    if n_original > max_tokens:
        enc = tokenizer(text, pair, truncation="longest_first", max_length=max_tokens, **kwargs)
    inputs = {k: v for k, v in enc.items() if accepted is None or k in accepted}
    ids = enc["input_ids"][0].tolist()
    if not ids:
        raise ValueError("the text gave no tokens: type a sentence")
    raw = tokenizer.convert_ids_to_tokens(ids)
    tokens = clean_tokens(raw, byte_level)
    word_ids = sequence_ids = None
    if getattr(enc, "encodings", None):
        word_ids, sequence_ids = enc.word_ids(0), enc.sequence_ids(0)
    words = group_words(raw, word_ids, sequence_ids)
    if "token_type_ids" in enc:
        segments = enc["token_type_ids"][0].tolist()
    elif sequence_ids is not None:
        segments, last = [], 0
        for s in sequence_ids:
            last = last if s is None else s
            segments.append(last)
    else:
        segments = [0] * len(ids)
    return Encoded(inputs, raw, tokens, words, segments, n_original)

