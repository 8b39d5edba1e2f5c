"""Catalogue figures of the seq2seq lab and the sequence transduction page, in each page's default
state (pure: no Streamlit). The shipped seq2seq models are loaded once per process; nothing is
retrained. Mirrors pages/seq2seq.py (ui/seq2seq_panels.py) and pages/transduction.py.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from ui.catalog_figures import Context

# pages/seq2seq.py defaults: the sentence, the picked model, the gradient tab's sentence length
S2S_SENTENCE = "the small girl does not see the red car of the dog"
S2S_MODEL = "attention"
GRAD_WORDS, GRAD_SENTENCES = 25, 20


@lru_cache(maxsize=4)
def _model(kind: str):
    from core.labs.seq2seq.translate import load

    return load(kind)


@lru_cache(maxsize=8)
def _translation(kind: str, text: str = S2S_SENTENCE):
    return _model(kind).translate(text)


@lru_cache(maxsize=1)
def _records() -> dict:
    from core.labs.seq2seq.models import KINDS

    return {k: _model(k).record for k in KINDS}


# ------------------------------------------------------------------ decode step by step


def _next_word(kind: str, i: int) -> go.Figure:
    from viz import seq2seq as vs

    tr = _translation(kind)
    i = i % len(tr.steps)
    step = tr.steps[i]
    return vs.next_word_figure(step.top, step.eos_prob, i, step.token)


def s2s_next_word(ctx: Context) -> go.Figure:
    """Step 1 of the decode tab: the first word and its top-5 rivals with <eos>'s probability."""
    return _next_word(S2S_MODEL, 0)


def s2s_eos_step(ctx: Context) -> go.Figure:
    """The decode tab's last step (press Play to the end): the decoder chooses <eos>."""
    return _next_word(S2S_MODEL, -1)


def _truth(tr, i: int) -> tuple[int, ...]:
    ref = tr.reference
    if ref is not None and i < len(ref.target) and tuple(tr.target[: i + 1]) == ref.target[: i + 1]:
        return tuple(ref.alignment[i])
    return ()


def s2s_cross_row(ctx: Context, kind: str = S2S_MODEL, i: int = 0) -> go.Figure:
    from viz import seq2seq as vs

    tr = _translation(kind)
    cross = None if tr.cross_attention is None else tr.cross_attention[i]
    return vs.attention_row_figure(cross, tr.source, "Cross-attention on the source", vs.NO_CROSS_ATTENTION,
                                   _truth(tr, i))


def s2s_self_row(ctx: Context, kind: str = "transformer") -> go.Figure:
    """The transformer's decoder self-attention at its last step (<eos>): a causal row over what it wrote."""
    from viz import seq2seq as vs

    tr = _translation(kind)
    i = len(tr.steps) - 1
    row = None if tr.self_attention is None else tr.self_attention[-1].mean(0)[i, : i + 1]
    labels = ["<bos>", *tr.target[:i]]
    return vs.attention_row_figure(row, labels, "Decoder self-attention (causal)", vs.NO_SELF_ATTENTION)


# ------------------------------------------------------------------ alignment


def _alignment(kind: str) -> go.Figure:
    from core.labs.seq2seq import alignment
    from viz import seq2seq as vs

    pair = _translation(kind).reference
    att = alignment.sentence_attention(_model(kind).net, pair)
    label = "attention weights"
    if kind == "transformer":
        att, label = att[-1].mean(0), "cross-attention, mean of the heads, last layer"
    return vs.alignment_figure(att, pair.matrix(), pair.source, pair.target, model_title=label)


def s2s_alignment(ctx: Context) -> go.Figure:
    return _alignment("attention")


def s2s_alignment_transformer(ctx: Context) -> go.Figure:
    return _alignment("transformer")


# ------------------------------------------------------------------ dilution


def s2s_by_length(ctx: Context) -> go.Figure:
    from viz import seq2seq as vs

    return vs.accuracy_by_length_figure({k: r["scores"] for k, r in _records().items()})


@lru_cache(maxsize=2)
def _gradients(trained: bool) -> dict:
    from core.labs.seq2seq import probes
    from core.labs.seq2seq.models import KINDS
    from core.labs.seq2seq.train import initial_model

    nets = {k: _model(k).net if trained else initial_model(k) for k in KINDS}
    return {k: probes.gradient_profile(net, GRAD_WORDS, n=GRAD_SENTENCES) for k, net in nets.items()}


def _gradient(trained: bool) -> go.Figure:
    from viz import seq2seq as vs

    title = "After training" if trained else "At initialisation (the architecture alone)"
    return vs.gradient_position_figure(_gradients(trained), GRAD_WORDS, title)


def s2s_gradient_init(ctx: Context) -> go.Figure:
    return _gradient(False)


def s2s_gradient_trained(ctx: Context) -> go.Figure:
    return _gradient(True)


# ------------------------------------------------------------------ the context vector


def _context_vector(kind: str) -> go.Figure:
    from viz import seq2seq as vs

    vec = _translation(kind).context
    halves = (
        ("forward final: read up to the last word", "backward final: read back to the first word")
        if kind == "bicontext"
        else (f"final state ({vec.size} numbers)",)
    )
    return vs.context_halves_figure(vec, halves)


def s2s_context_vector(ctx: Context) -> go.Figure:
    return _context_vector("context")


def s2s_bicontext_vector(ctx: Context) -> go.Figure:
    return _context_vector("bicontext")


def s2s_context_cloud(ctx: Context, kind: str = "context") -> go.Figure:
    from core.labs.seq2seq import probes
    from core.labs.seq2seq.data import held_out
    from viz import seq2seq as vs

    pairs = list(held_out())
    points, explained = probes.pca_2d(probes.context_vectors(_model(kind).net, pairs))
    hover = [" ".join(p.source) for p in pairs]
    title = f"{kind}: context vectors of {len(hover)} held-out sentences (PCA)"
    return vs.context_scatter_figure(points, [len(p.source) for p in pairs], hover, "words", explained, title)


def s2s_curves(ctx: Context) -> go.Figure:
    from viz import seq2seq as vs

    recs = _records()
    return vs.training_curves_figure({k: r["curve"] for k, r in recs.items()}, recs["context"]["curve_every"])


# ------------------------------------------------------------------ sequence transduction


def _unrolled(shape: str) -> go.Figure:
    from core.labs.transduction import unroll
    from viz import transduction as vt

    run = unroll(shape)
    context = max((i for i, c in enumerate(run.cells) if c.group == "encoder"), default=None)
    extra = "image vector" if shape == "vector→sequence" else None
    return vt.unrolled(run.cells, f"{shape}, unrolled over {len(run.cells)} steps", context, extra)


def trans_vec2seq(ctx: Context) -> go.Figure:
    return _unrolled("vector→sequence")


def trans_seq2vec(ctx: Context) -> go.Figure:
    return _unrolled("sequence→vector")


def trans_seq2seq(ctx: Context) -> go.Figure:
    return _unrolled("sequence→sequence")


def trans_readout(ctx: Context) -> go.Figure:
    from core.labs.transduction import unroll
    from viz import transduction as vt

    return vt.readout(["good", "bad"], np.asarray(unroll("sequence→vector").result))
