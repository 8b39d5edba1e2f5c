"""Embedding space on MiniLM's real table; PCA against numpy's SVD; clear messages for bad input."""

import numpy as np
import pytest

from core.labs.embeddings import cosine_matrix, minilm_table, nearest, pca, sentence_embeddings


def test_nearest_dog_has_dogs_or_puppy():
    pairs = nearest("dog", k=10)
    tokens = [t for t, _ in pairs]
    assert {"dogs", "puppy"} & set(tokens)
    assert "dog" not in tokens and len(pairs) == 10
    cos = [c for _, c in pairs]
    assert cos == sorted(cos, reverse=True) and 0 < cos[-1] <= cos[0] < 1
    emb = minilm_table()
    v = emb.word_vector("dog").vector
    u = emb.table[emb.tokenizer.convert_tokens_to_ids(tokens[0])]
    assert cos[0] == pytest.approx(float(v @ u / np.linalg.norm(v) / np.linalg.norm(u)), abs=1e-5)


def test_subword_words_are_averaged_and_analogy():
    emb = minilm_table()
    wv = emb.word_vector("embeddings")
    assert wv.averaged and len(wv.pieces) >= 2 and all(p.startswith("##") for p in wv.pieces[1:])
    ids = emb.tokenizer.convert_tokens_to_ids(list(wv.pieces))
    np.testing.assert_allclose(wv.vector, emb.table[ids].mean(axis=0), rtol=1e-6)
    assert emb.analogy("king", "man", "woman", 3)[0][0] == "queen"


def test_unknown_and_empty_give_clear_messages():
    emb = minilm_table()
    with pytest.raises(ValueError, match="type a word"):
        emb.word_vector("  ")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        emb.word_vector("\u2603\u2603")  # snowmen: [UNK] in MiniLM's WordPiece
    with pytest.raises(ValueError, match="one word at a time"):
        emb.nearest("hot dog")
    with pytest.raises(ValueError, match="empty"):
        emb.vectors([" ", ""])
    found, problems = emb.vectors(["dog", "\u2603"])
    assert [w.word for w in found] == ["dog"] and "not in the vocabulary" in problems[0]
    with pytest.raises(ValueError, match="at least two"):
        pca(np.ones((1, 4)))
    with pytest.raises(ValueError, match="at least one sentence"):
        sentence_embeddings(None, ["", "  "])


@pytest.mark.parametrize("shape", [(30, 5), (6, 384)])
def test_pca_reproduces_numpy_svd(shape):
    x = np.random.default_rng(0).normal(0, 1, shape) @ np.diag(np.linspace(3, 0.5, shape[1]))
    got = pca(x, 2)
    centred = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.abs(got.coords), np.abs(u[:, :2] * s[:2]), atol=1e-9)
    np.testing.assert_allclose(np.abs(got.components), np.abs(vt[:2]), atol=1e-9)
    np.testing.assert_allclose(got.explained, s[:2] ** 2 / (s ** 2).sum(), atol=1e-12)


def test_sentence_embeddings_mean_pooling(minilm):
    sents = ["The dog ate the cat.", "A dog devoured a cat.", "Stock prices fell sharply today."]
    vecs = sentence_embeddings(minilm, sents)
    assert vecs.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    sim = cosine_matrix(vecs)
    np.testing.assert_allclose(np.diag(sim), 1, atol=1e-5)
    np.testing.assert_allclose(sim, sim.T, atol=1e-7)
    assert sim[0, 1] > sim[0, 2] + 0.3
    # mean pooling by hand over one sentence's last hidden states
    cap = minilm.capture(sents[2], names=["encoder.5.resid_post"])
    mean = cap["encoder.5.resid_post"][0].numpy().mean(axis=0)
    np.testing.assert_allclose(vecs[2], mean / np.linalg.norm(mean), atol=1e-5)
