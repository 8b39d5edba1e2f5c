"""Catalogue figures of the "Inside the blocks" pages (block anatomy, the decoder side, embedding
space), in each page's default state (pure: no Streamlit). Mirrors pages/anatomy.py,
pages/decoder.py and pages/embeddings.py; models come from `Context.model` (the app's cache).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from ui.catalog_figures import Context

# pages/anatomy.py: layer 0, follow token 2; pages/decoder.py: SmolLM2 on this prompt, chat on,
# 24 new tokens, layer 0; the reverser on these words, layer 1
ANATOMY_LAYER, ANATOMY_TOKEN = 0, 2
PROMPT, CHAT, MAX_NEW, DECODER_LAYER = "The capital of France is", True, 24, 0
REVERSE, REVERSER_LAYER = "one two three red cat", 1
# pages/embeddings.py's default inputs
WORD, NEIGHBOURS, ANALOGY = "dog", 10, ("king", "man", "woman")
MAP_WORDS = (
    "dog, puppy, cat, kitten, horse, car, truck, bus, paris, london, berlin, bewildered, embeddings"
)
SENTENCES = (
    "The dog ate the cat.",
    "The cat ate the dog.",
    "A puppy chewed a kitten.",
    "The movie was great.",
    "Stock prices fell sharply today.",
)


# ------------------------------------------------------------------ inside a block


@lru_cache(maxsize=8)
def _walk_of(model, text: str, layer: int):
    from core.labs.anatomy import block_walk

    return block_walk(model, text, layer)


def _walk(ctx: Context):
    walk = _walk_of(ctx.model(), ctx.sentence, ANATOMY_LAYER)
    return walk, min(ANATOMY_TOKEN, len(walk.tokens) - 1)


def anatomy_steps(ctx: Context) -> go.Figure:
    from core.labs.anatomy import token_norms
    from viz import anatomy as va

    walk, _ = _walk(ctx)
    shapes = [" × ".join(map(str, s.x.shape)) for s in walk.steps]
    return va.step_norms(walk.names, shapes, walk.tokens, token_norms(walk))


def anatomy_follow(ctx: Context) -> go.Figure:
    from core.labs.anatomy import follow
    from viz import anatomy as va

    walk, token = _walk(ctx)
    path = follow(walk, token)
    parts = [s.part for s in walk.steps]
    return va.follow_token(walk.names, parts, path["norm"], path["cosine_to_input"], walk.tokens[token])


def anatomy_heads(ctx: Context) -> go.Figure:
    from viz import anatomy as va

    walk, token = _walk(ctx)
    out = walk.step("output projection W_O").x[token]
    return va.heads_to_output(walk.heads[:, token], out, walk.tokens[token])


def anatomy_ffn(ctx: Context) -> go.Figure:
    from core.labs.anatomy import feed_forward
    from viz import anatomy as va

    walk, token = _walk(ctx)
    pair = [token, (token + 1) % len(walk.tokens)]
    model = ctx.model()
    alone = np.stack([feed_forward(model, ANATOMY_LAYER, walk.ffn_in[[i]], walk.stack)[0] for i in pair])
    in_sentence = walk.step("feed-forward").x[pair]
    return va.ffn_position_check(alone, in_sentence, [walk.tokens[i] for i in pair])


# ------------------------------------------------------------------ the decoder side


@lru_cache(maxsize=2)
def _decoder_views(model) -> tuple:
    from core.labs.decoding import generate, next_tokens

    return next_tokens(model, PROMPT, 10, chat=False), generate(model, PROMPT, MAX_NEW, chat=CHAT)


def decoder_next_tokens(ctx: Context) -> go.Figure:
    from viz import decoding as vd

    t, _ = _decoder_views(ctx.model("smollm2"))
    return vd.next_token_table(t.inputs, t.top_tokens, t.top_probs, t.targets, t.target_probs)


def decoder_causal_mask(ctx: Context) -> go.Figure:
    from viz import decoding as vd

    t, _ = _decoder_views(ctx.model("smollm2"))
    return vd.causal_mask(t.mask, t.inputs)


def decoder_generation(ctx: Context) -> go.Figure:
    from viz import decoding as vd

    _, gen = _decoder_views(ctx.model("smollm2"))
    rows = [s.self_attention[DECODER_LAYER].mean(axis=0) for s in gen.steps]
    title = f"What each new token attended to (layer {DECODER_LAYER}, mean of heads)"
    return vd.generation_attention(gen.tokens, len(gen.prompt), rows, title)


@lru_cache(maxsize=1)
def _reversal():
    from core.labs.decoding import seq2seq_generate
    from core.labs.toy_reverser import BOS, EOS, VOCAB, encode_words, load_reverser

    return seq2seq_generate(load_reverser(), encode_words(REVERSE) + [EOS], BOS, EOS, max_new=10, vocab=VOCAB)


def reverser_cross(ctx: Context) -> go.Figure:
    from viz import decoding as vd

    gen = _reversal()
    cross = np.stack([s.cross_attention[REVERSER_LAYER].mean(axis=0) for s in gen.steps])
    title = f"Cross-attention: each output over the source (layer {REVERSER_LAYER}, mean of heads)"
    return vd.alignment(gen.source, [s.token for s in gen.steps], cross, title)


def reverser_self(ctx: Context) -> go.Figure:
    from viz import decoding as vd

    gen = _reversal()
    rows = [s.self_attention[REVERSER_LAYER].mean(axis=0) for s in gen.steps]
    title = f"Self-attention: each step over the outputs so far (layer {REVERSER_LAYER})"
    return vd.generation_attention(gen.tokens, 1, rows, title)


# ------------------------------------------------------------------ embedding space


def _table():
    from core.labs.embeddings import minilm_table

    return minilm_table()


def emb_vector(ctx: Context) -> go.Figure:
    from viz import embeddings as ve

    wv = _table().word_vector(WORD)
    return ve.vector_values(wv.word, wv.vector)


def emb_nearest(ctx: Context) -> go.Figure:
    from viz import embeddings as ve

    table = _table()
    return ve.neighbours(table.word_vector(WORD).word, table.nearest(WORD, NEIGHBOURS))


def emb_analogy(ctx: Context) -> go.Figure:
    from viz import embeddings as ve

    a, b, c = ANALOGY
    answer = _table().analogy(a, b, c, k=8)
    return ve.neighbours("", answer, f"{a} − {b} + {c} ≈ … (a, b, c themselves left out)")


def emb_pca(ctx: Context) -> go.Figure:
    from core.labs.embeddings import pca
    from viz import embeddings as ve

    found, _ = _table().vectors(MAP_WORDS.split(","))
    proj = pca([w.vector for w in found], 2)
    return ve.pca_map([w.word for w in found], proj.coords, proj.explained, [w.averaged for w in found])


def emb_sentences(ctx: Context) -> go.Figure:
    from core.labs.embeddings import cosine_matrix, sentence_embeddings
    from viz import embeddings as ve

    vectors = sentence_embeddings(ctx.model("minilm"), list(SENTENCES))
    return ve.similarity_matrix(list(SENTENCES), cosine_matrix(vectors))
