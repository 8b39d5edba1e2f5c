"""The catalogue of views: every figure a page shows, with its page and deep link, for lectures.

One `View` per figure (a new page adds one entry per figure to VIEWS). `View.figure(ctx)` builds
the figure exactly as the page does in its default state (pure: no Streamlit), so the presenter
draws it live and the export writes it to HTML or PNG. `suggest(card_text)` ranks views by
meaning with the packaged MiniLM sentence embeddings. Importable without a running app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go

from ui import catalog_figures as cf
from ui import catalog_figures_math as cm
from ui.catalog_figures import Context
from ui.catalog_labs import LAB_ENTRIES

__all__ = ["VIEWS", "Context", "View", "by_name", "deep_link", "suggest"]


@dataclass(frozen=True)
class View:
    """A figure of a page. `params`: URL parameters that open the page on this view (deep link);
    `uses_sentence`: the figure is drawn from the sidebar sentence (typed live)."""

    name: str
    title: str
    description: str
    page: str
    figure: Callable[..., go.Figure]
    params: dict = field(default_factory=dict)
    uses_sentence: bool = False

    def draw(self, ctx: Context) -> go.Figure:
        return self.figure(ctx)

    @property
    def url_path(self) -> str:
        """The page's URL path under st.navigation (the file name without .py)."""
        return self.page.rsplit("/", 1)[-1].removesuffix(".py")


def deep_link(view: View, base_url: str = "", sentence: str | None = None) -> str:
    """`{base_url}/{page}?{params}`: opens the full page on this view (with the sentence, if given)."""
    params = dict(view.params)
    if sentence and view.uses_sentence:
        params["s"] = sentence
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url.rstrip('/')}/{view.url_path}{query}"


def _v(name, title, description, page, figure, params=None, sentence=False) -> View:
    return View(name, title, description, f"pages/{page}.py", figure, params or {}, sentence)


VIEWS: list[View] = [
    # attention explorer: drawn from the sentence typed in the sidebar
    _v(
        "overview.tiles",
        "Every head at once",
        "Attention weights of every layer and head of a pretrained "
        "model as a grid of tiles: which words each word attends to, everywhere in the model.",
        "overview",
        cf.overview_tiles,
        sentence=True,
    ),
    _v(
        "overview.stats",
        "Per-head statistics",
        "Entropy of each head's attention weights, layer by head: "
        "which heads focus sharply on one word and which spread attention broadly.",
        "overview",
        cf.overview_stats,
        {"stat": "entropy"},
        True,
    ),
    _v(
        "overview.ranking",
        "Heads ranked",
        "The most focused attention heads ranked by entropy.",
        "overview",
        cf.overview_ranking,
        {"stat": "entropy"},
        True,
    ),
    _v(
        "head.view",
        "One head: scores, weights, vectors",
        "For each word, how relevant every other word is: "
        "attention scores q·k/√d, softmax attention weights, and the attention vectors "
        "(weighted sum of values) of one head.",
        "head",
        cf.head_view,
        {"layer": 0, "head": 0},
        True,
    ),
    _v(
        "head.query",
        "One query step by step",
        "One word's query: its row of attention scores, the weights "
        "softmax turns them into, and how much each value contributes to its attention vector.",
        "head",
        cf.head_query,
        {"layer": 0, "head": 0},
        True,
    ),
    _v(
        "head.temperature",
        "Temperature what-if",
        "Dividing attention scores by a temperature flattens or "
        "sharpens the softmax weights; scaling by 1/√d is a built-in temperature.",
        "head",
        cf.head_temperature,
        {"layer": 0, "head": 0, "T": 2.0},
        True,
    ),
    _v(
        "lines.view",
        "Who looks at whom",
        "Lines from each word to the words it attends to, one colour per "
        "head: the word-to-word relevance and contextual relationships in a sentence.",
        "lines",
        cf.lines,
        {"layer": 0},
        True,
    ),
    _v(
        "compare.view",
        "Two sentences compared",
        "Same words in a different order (the dog ate the cat vs the "
        "cat ate the dog): attention weights of A, B and their difference A − B.",
        "compare",
        cf.compare,
        {"layer": 0, "head": 0},
        True,
    ),
    _v(
        "compare.grid",
        "Which heads change between two sentences",
        "Jensen-Shannon divergence of every "
        "head's attention between two sentences: where word order changes attention.",
        "compare",
        cf.compare_grid,
        sentence=True,
    ),
    _v(
        "compare.rank",
        "Heads that change most",
        "The heads whose attention changes most between two sentences of the same words in another order.",
        "compare",
        cf.compare_rank,
        sentence=True,
    ),
    _v(
        "aggregate.heads",
        "Mean and max over heads",
        "Multi-head attention: the mean and the max of all heads' "
        "weights in a layer, what the multi-head attention layer of an encoder block does on average.",
        "aggregate",
        cf.heads_mean_max,
        {"layer": 0},
        True,
    ),
    _v(
        "aggregate.rollout",
        "Attention rollout",
        "Attention rollout through the layers of the encoder: how much "
        "of each position's representation comes from each input word.",
        "aggregate",
        cf.rollout,
        sentence=True,
    ),
    _v(
        "aggregate.words",
        "Words, not sub-word tokens",
        "Attention weights between whole words, summed over word pieces of the tokenizer.",
        "aggregate",
        cf.words,
        {"layer": 0},
        True,
    ),
    # positional encodings
    _v(
        "pe.matrix",
        "The sin/cos positional encoding",
        "How the model is told where each word sits in the sentence: the sinusoidal positional encoding "
        "of Attention Is All You Need, sin and cos of the position at geometrically spaced frequencies.",
        "positional_lab",
        cf.pe_matrix,
    ),
    _v(
        "pe.dims",
        "Encoding dimensions against position",
        "Dimensions of the positional embedding plotted "
        "against the token's position: sine and cosine waves at different speeds.",
        "positional_lab",
        cf.pe_dims,
    ),
    _v(
        "pe.similarity",
        "Similarity of position vectors",
        "Cosine similarity between the positional encodings "
        "of every pair of positions: nearby positions are similar.",
        "positional_lab",
        cf.pe_similarity,
    ),
    _v(
        "pe.spectrum",
        "The Fourier view of the encoding",
        "Fourier analysis of the sin/cos positional encoding: "
        "each dimension pair is one pure frequency, spaced geometrically.",
        "positional_lab",
        cf.pe_spectrum,
    ),
    _v(
        "pe.offset",
        "Similarity by offset",
        "How similar two positions' encodings are as a function of the "
        "distance between them: relative position from a dot product.",
        "positional_lab",
        cf.pe_offset,
    ),
    _v(
        "pe.clock",
        "Clock hands",
        "Each sin/cos pair of the positional encoding as a clock hand turning at its "
        "own speed: fast hands for neighbours, slow hands for far positions.",
        "positional_lab",
        cf.pe_clock,
    ),
    _v(
        "pe.pca",
        "Position vectors in 3-D",
        "Positional encodings projected to 3-D: sin/cos traces a curve "
        "that never crosses itself; a single sine folds back.",
        "positional_lab",
        cf.pe_pca,
    ),
    _v(
        "pe.scorecard",
        "Positional encoding requirements scorecard",
        "Which positional encodings meet the "
        "requirements: the same identifier for a position at any sequence length, bounded values so position "
        "does not drown meaning, distinct positions.",
        "positional_lab",
        cf.pe_scorecard,
    ),
    _v(
        "pe.level_line",
        "A single sine repeats",
        "The periodicity of a single sine or cosine gives many positions the same positional value.",
        "positional_lab",
        cf.pe_level_line,
    ),
    _v(
        "pe.stretched",
        "A stretched sine is drowned",
        "A very stretched sine changes too little between "
        "neighbouring positions: the word embeddings overshadow the positional values.",
        "positional_lab",
        cf.pe_stretched,
    ),
    _v(
        "pe.sigmoid",
        "A sigmoid saturates",
        "A sigmoid positional function saturates: large positions get "
        "nearly identical values, so it fails for long sequences.",
        "positional_lab",
        cf.pe_sigmoid,
    ),
    _v(
        "pe.normalized",
        "Normalised position index",
        "Position divided by sequence length: the same position "
        "gets a different value in sentences of different lengths.",
        "positional_lab",
        cf.pe_normalized,
    ),
    _v(
        "pe.raw_index",
        "Raw position index",
        "The raw position number grows without bound and dwarfs the word embeddings.",
        "positional_lab",
        cf.pe_raw,
    ),
    _v(
        "pe.images",
        "Positional encoding for images",
        "Sin/cos positional encoding over a flattened image "
        "versus a 2-D encoding: does it work for images as well as for text?",
        "positional_lab",
        cf.pe_images,
    ),
    _v(
        "order.matters",
        "Order matters",
        "Without positional encoding, the dog ate the cat and the cat ate the "
        "dog get identical attention: self-attention alone ignores word order and needs positions.",
        "positional_trained",
        cf.order_matters,
        {"order_kind": "none"},
    ),
    _v(
        "trained.accuracy",
        "Trained with each encoding",
        "Tiny transformers trained with each positional "
        "encoding on a task that needs word order: accuracy per encoding.",
        "positional_trained",
        cf.trained_accuracy,
    ),
    _v(
        "trained.length",
        "Longer sequences than in training",
        "Accuracy of models trained with each positional "
        "encoding on sequences longer than they saw: which encodings generalise in length.",
        "positional_trained",
        cf.trained_length,
    ),
    _v(
        "trained.tables",
        "A learned position table",
        "Similarity of learned positional embeddings after training, next to MiniLM's learned table.",
        "positional_trained",
        cf.trained_tables,
    ),
    _v(
        "trained.alibi",
        "ALiBi score bias",
        "ALiBi adds a distance penalty to the attention scores, one slope "
        "per head, instead of adding positions to the input.",
        "positional_trained",
        cf.alibi_bias,
    ),
    _v(
        "trained.rope",
        "RoPE depends on relative position",
        "Rotary position embedding: the attention score of q and k depends only on their relative position.",
        "positional_trained",
        cf.rope,
    ),
    _v(
        "trained.heads",
        "Trained attention heads",
        "Layer-0 attention weights of a trained tiny model: a previous-token head.",
        "positional_trained",
        cf.trained_heads,
    ),
    # gradients
    _v(
        "grad.distance",
        "Gradients across time: RNN, LSTM, transformer",
        "Gradient norm against the distance between time steps in recurrent networks (RNN, LSTM, GRU) "
        "and a transformer: vanishing and exploding gradients when learning from far back in a sequence.",
        "gradient_flow",
        cm.grad_distance,
    ),
    _v(
        "grad.cliff",
        "Exploding gradients and clipping",
        "A recurrent unit's loss has a cliff where gradients "
        "explode; clipping the gradient norm keeps training stable.",
        "gradient_flow",
        cm.grad_cliff,
    ),
    _v(
        "grad.layers",
        "Gradients through depth",
        "Gradient norm in every layer of a deep transformer while "
        "training: residual connections and LayerNorm keep gradients alive.",
        "gradient_flow",
        cm.grad_layers,
    ),
    _v(
        "grad.variants",
        "Residual and LayerNorm compared",
        "Attention gradient norms per layer with and without residual connections and LayerNorm.",
        "gradient_flow",
        cm.grad_variants,
    ),
    _v(
        "grad.loss",
        "Loss curves",
        "Training loss of deep transformers with and without residual connections and LayerNorm.",
        "gradient_flow",
        cm.grad_loss,
    ),
    _v(
        "grad.pretrained",
        "Gradients in a pretrained model",
        "Backpropagation through a pretrained model: gradient norm of the loss at every layer.",
        "gradient_flow",
        cm.grad_pretrained,
        {"pretrained": 1},
        True,
    ),
    _v(
        "grad.attention",
        "Gradient of the loss on attention weights",
        "Which attention weights the objective "
        "would raise or lower: the gradient with respect to each weight.",
        "gradient_flow",
        cm.grad_attention,
        {"pretrained": 1},
        True,
    ),
    # softmax
    _v(
        "sm.probs",
        "Softmax probabilities",
        "Softmax turns logits into probabilities that sum to one.",
        "softmax_jacobian",
        cm.sm_probs,
    ),
    _v(
        "sm.jacobian",
        "The softmax Jacobian",
        "The Jacobian matrix of the softmax function: the partial "
        "derivative of every probability with respect to every logit, needed for backpropagation, because "
        "softmax is a vector function and not a scalar one with a gradient.",
        "softmax_jacobian",
        cm.sm_jacobian,
    ),
    _v(
        "sm.eigenvalues",
        "Eigenvalues of the Jacobian",
        "Eigenvalues of the softmax Jacobian: one is zero, "
        "since adding a constant to every logit changes nothing.",
        "softmax_jacobian",
        cm.sm_eigenvalues,
    ),
    _v(
        "sm.norm",
        "A saturated softmax passes no gradient",
        "The norm of the softmax Jacobian against the "
        "scale of the logits: a saturated softmax passes almost no gradient back.",
        "softmax_jacobian",
        cm.sm_norm,
    ),
    _v(
        "sm.variance",
        "Why divide by √d_k",
        "The variance of a dot product of random queries and keys grows "
        "with the dimension d_k; scaling by 1/√d_k keeps it at one.",
        "softmax_jacobian",
        cm.sm_variance,
    ),
    _v(
        "sm.saturation",
        "Unscaled scores saturate softmax",
        "Without 1/√d_k the attention weights become one-hot and the softmax Jacobian collapses.",
        "softmax_jacobian",
        cm.sm_saturation,
    ),
    # costs
    _v(
        "cost.table",
        "AIAYN Table 1",
        "Self-attention versus recurrent and convolutional layers: complexity "
        "per layer, sequential operations, maximum path length.",
        "attention_cost",
        cm.cost_table,
    ),
    _v(
        "cost.ops",
        "Total computational complexity per layer",
        "How the work of a layer grows with the length of the input: operation counts of "
        "self-attention (n²·d) against a recurrent RNN layer (n·d²); the first thing to compare.",
        "attention_cost",
        cm.cost_ops,
    ),
    _v(
        "cost.time",
        "Measured time per layer",
        "Time of a self-attention, recurrent and convolutional layer "
        "measured on this machine for growing sequence length.",
        "attention_cost",
        cm.cost_time,
    ),
    _v(
        "cost.steps",
        "Sequential operations: computation that can be parallelised",
        "The minimum number of "
        "sequential operations: RNNs and LSTMs process a sequence step by step and cannot use "
        "a GPU's parallel computation; attention needs one step.",
        "attention_cost",
        cm.cost_steps,
    ),
    _v(
        "cost.graphs",
        "Path length between long-range dependencies",
        "How many hops connect two distant positions in recurrent, convolutional and self-attention layers.",
        "attention_cost",
        cm.cost_graphs,
    ),
    _v(
        "cost.paths",
        "Maximum path length against sequence length",
        "Path length between long-range "
        "dependencies: n for a recurrence, log n for dilated convolutions, one for self-attention.",
        "attention_cost",
        cm.cost_paths,
    ),
]
# the seq2seq lab, sequence transduction and the "Inside the blocks" pages (ui/catalog_labs.py)
VIEWS += [_v(*entry) for entry in LAB_ENTRIES]


def by_name(name: str) -> View:
    """The view called `name`; KeyError naming the known views otherwise."""
    for view in VIEWS:
        if view.name == name:
            return view
    raise KeyError(f"no view {name!r}; known: {', '.join(v.name for v in VIEWS)}")


def view_text(view: View) -> str:
    return f"{view.title}. {view.description}"


@lru_cache(maxsize=4)
def _view_vectors(texts: tuple[str, ...]) -> np.ndarray:
    from core.labs.sentence_vectors import embed

    return embed(list(texts))


def suggest(card_text: str, k: int = 3, views: list[View] | None = None) -> list[tuple[View, float]]:
    """The k views whose descriptions are nearest in meaning to `card_text`: (view, cosine), best first.

    Cosine between MiniLM sentence embeddings (mean over real tokens, L2-normalised); the views'
    embeddings are computed once per process."""
    views = VIEWS if views is None else views
    if not card_text or not card_text.strip() or not views:
        return []
    from core.labs.sentence_vectors import embed

    matrix = _view_vectors(tuple(view_text(v) for v in views))  # [n_views, 384]
    cosine = matrix @ embed([card_text])[0]
    order = np.argsort(-cosine, kind="stable")[:k]
    return [(views[i], float(cosine[i])) for i in order]
