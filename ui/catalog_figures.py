"""The figures of the catalogue: each builds, in its default state, exactly the figure a page shows,
calling the same core/labs computation and viz function with the page's default arguments.

Pure (no Streamlit): the presenter draws them live, the export writes them to HTML and PNG.
Heavy computations are memoised per process (lru_cache), so a lecture pays for them once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from core.capture import Capture

DEFAULT_SENTENCE = "The dog ate the cat because it was hungry"
COMPARE_PRESET = ("The dog ate the cat", "The cat ate the dog")


@dataclass
class Context:
    """What a sentence-dependent figure needs: the sentence, a text -> Capture function and models.

    `capture(text, grads=False)`: in the app it goes through ui.cache (shared by sessions); left
    None, the packaged MiniLM is loaded on first use. `model_name`: the sidebar's model (figures
    that walk a model's own layers use it); `load(name)`: the app's model cache (ui.cache.get_model);
    left None, models are loaded once per process."""

    sentence: str = DEFAULT_SENTENCE
    capture: Callable[..., Capture] | None = None
    sentence_b: str = ""
    _model: object = field(default=None, repr=False)
    model_name: str = "minilm"
    load: Callable[[str], object] | None = None

    def cap(self, text: str | None = None, grads: bool = False) -> Capture:
        if self.capture is None:
            if self._model is None:
                self._model = self.model("minilm")
            self.capture = self._model.capture
        return self.capture(self.sentence if text is None else text, grads=grads)

    def model(self, name: str | None = None):
        """The loaded model `name` (default: the sidebar's), from `load` or a per-process cache."""
        name = name or self.model_name
        if self.load is not None:
            return self.load(name)
        if name == "minilm" and self._model is not None:
            return self._model
        return _loaded(name)

    def pair(self) -> tuple[Capture, Capture]:
        a, b = (self.sentence, self.sentence_b) if self.sentence_b.strip() else COMPARE_PRESET
        return self.cap(a), self.cap(b)


@lru_cache(maxsize=4)
def _loaded(name: str):
    from core import load_model

    return load_model(name)


def _stack_block(cap: Capture) -> tuple[str, str]:
    from viz.attention import block_choices

    return block_choices(cap)[0]


# ------------------------------------------------------------------ attention explorer


def overview_tiles(ctx: Context) -> go.Figure:
    from viz.attention_overview import capture_stats, overview

    cap = ctx.cap()
    stack, block = _stack_block(cap)
    return overview(cap, stack, block, contrast="absolute", stats=capture_stats(cap, stack, block))


def overview_stats(ctx: Context) -> go.Figure:
    from viz.attention_overview import capture_stats, head_stats_figure

    cap = ctx.cap()
    return head_stats_figure(capture_stats(cap, *_stack_block(cap)), "entropy")


def overview_ranking(ctx: Context) -> go.Figure:
    from viz.attention_overview import capture_stats, head_ranking

    cap = ctx.cap()
    return head_ranking(capture_stats(cap, *_stack_block(cap)), "entropy", top=12, descending=False)


def _head_data(ctx: Context, layer: int, head: int):
    from viz.attention import head_data

    cap = ctx.cap()
    stack, block = _stack_block(cap)
    return head_data(cap, layer, head, stack, block)


def head_view(ctx: Context, layer: int = 0, head: int = 0) -> go.Figure:
    from viz.attention import head_view as draw

    return draw(_head_data(ctx, layer, head))


def head_query(ctx: Context, layer: int = 0, head: int = 0) -> go.Figure:
    from viz.attention import query_breakdown

    data = _head_data(ctx, layer, head)
    query = data.q_tokens.index("it") if "it" in data.q_tokens else min(1, len(data.q_tokens) - 1)
    return query_breakdown(data, query)


def head_temperature(ctx: Context, layer: int = 0, head: int = 0, temperature: float = 2.0) -> go.Figure:
    from viz.attention import temperature_whatif

    return temperature_whatif(_head_data(ctx, layer, head), temperature)


def lines(ctx: Context, layer: int = 0) -> go.Figure:
    from viz.attention_lines import lines_view

    cap = ctx.cap()
    stack, block = _stack_block(cap)
    return lines_view(cap, layer, stack, block, token=None, direction="from")


def compare(ctx: Context, layer: int = 0, head: int = 0) -> go.Figure:
    from viz.attention_compare import compare_view

    a, b = ctx.pair()
    return compare_view(a, b, layer, head, *_stack_block(a))


def _compare_js(ctx: Context, which: int) -> go.Figure:
    from viz.attention_compare import compare_js, js_figures

    a, b = ctx.pair()
    js = compare_js(a, b, *_stack_block(a))
    if js is None:
        raise ValueError("the two sentences have different token counts: no head ranking")
    return js_figures(js)[which]


def compare_grid(ctx: Context) -> go.Figure:
    return _compare_js(ctx, 0)


def compare_rank(ctx: Context) -> go.Figure:
    return _compare_js(ctx, 1)


def heads_mean_max(ctx: Context, layer: int = 0) -> go.Figure:
    from viz.attention_compare import heads_aggregate_view

    cap = ctx.cap()
    return heads_aggregate_view(cap, layer, *_stack_block(cap))


def rollout(ctx: Context) -> go.Figure:
    from viz.attention_compare import rollout_view

    cap = ctx.cap()
    stack, _ = _stack_block(cap)
    return rollout_view(cap, cap.n_layers(stack, "self_attn") - 1, stack)


def words(ctx: Context, layer: int = 0) -> go.Figure:
    from viz.attention_compare import word_view

    cap = ctx.cap()
    return word_view(cap, layer, None, *_stack_block(cap))


# ------------------------------------------------------------------ positional encodings

PE_N, PE_D = 64, 64


@lru_cache(maxsize=16)
def _encoding(kind: str, n: int = PE_N, d: int = PE_D) -> np.ndarray:
    from core.labs.positional_scorecard import encoding_view

    return encoding_view(kind, n, d)[0]


@lru_cache(maxsize=1)
def _sigma() -> float:
    from core.labs.reference_embeddings import token_embedding_std

    return token_embedding_std()[0]


def pe_matrix(ctx: Context, kind: str = "sinusoidal") -> go.Figure:
    from viz import positional as vp

    return vp.encoding_matrix(_encoding(kind), kind)


def pe_dims(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.dims_vs_position(_encoding("sinusoidal"), dims=[4, 5, 6, 7])


def pe_similarity(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.similarity_matrix(_encoding("sinusoidal"))


def pe_spectrum(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.spectrum(_encoding("sinusoidal", 2048, PE_D))


def pe_offset(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.similarity_by_offset(_encoding("sinusoidal"))


def pe_clock(ctx: Context, position: int = 5) -> go.Figure:
    from viz import positional as vp

    return vp.clock_hands(PE_D, position)


def pe_pca(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.pca_3d({k: _encoding(k) for k in ("sinusoidal", "sigmoid", "single_sine", "learned")})


def pe_scorecard(ctx: Context) -> go.Figure:
    from core.labs.positional_scorecard import MEASURES, scorecard
    from viz import positional as vp

    kinds = ("sinusoidal", "sigmoid", "single_sine", "learned")
    return vp.scorecard_table([scorecard(k, PE_N, PE_D, embedding_std=_sigma()) for k in kinds], MEASURES)


def pe_level_line(ctx: Context) -> go.Figure:
    from core.positional import positional_encoding
    from viz import positional as vp

    return vp.level_line(positional_encoding("single_sine", 360, 1)[:, 0].numpy(), 0.0, 1e-2)


def pe_stretched(ctx: Context) -> go.Figure:
    from core.positional import positional_encoding
    from viz import positional as vp

    values = positional_encoding("stretched_sine", 512, 1, stretch=10000.0)[:, 0].numpy()
    return vp.stretched_band(values, _sigma())


def pe_sigmoid(ctx: Context) -> go.Figure:
    from core.positional import positional_encoding
    from viz import positional as vp

    s32 = positional_encoding("sigmoid", 50, 1)[:, 0].numpy()
    return vp.sigmoid_saturation(s32, 1 / (1 + np.exp(-np.arange(50, dtype=np.float64))))


def pe_normalized(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.normalized_index((5, 10, 20))


def pe_raw(ctx: Context) -> go.Figure:
    from viz import positional as vp

    return vp.raw_index(PE_N, _sigma())


def pe_images(ctx: Context) -> go.Figure:
    from core.labs.image_positions import grid_encodings, neighbour_similarities, similarity_map
    from viz import positional as vp

    anchor = (5, 13)
    maps = {k: similarity_map(v, 14, 14, anchor) for k, v in grid_encodings(14, 14, 768).items()}
    return vp.images_card(maps["1-D"], maps["2-D"], neighbour_similarities(14, 14, 768), anchor)


def order_matters(ctx: Context, kind: str = "none") -> go.Figure:
    from core.labs.order import order_matters as compute
    from viz import positional as vp

    r = compute(kind, "the dog ate the cat", "the cat ate the dog")
    return vp.order_matters_figure(
        r.words_a, r.words_b, r.weights_a[0, 0], r.weights_b[0, 0], r.output_diff_per_word
    )


@lru_cache(maxsize=1)
def _trained_records() -> dict:
    from core.labs.toy_task import TRAINED_KINDS, load_trained

    return {k: load_trained(k)[1] for k in TRAINED_KINDS}


def trained_accuracy(ctx: Context) -> go.Figure:
    from core.labs.toy_task import TRAIN_LENGTH, chance
    from viz import positional as vp

    acc = {k: r["accuracy"][str(TRAIN_LENGTH)] for k, r in _trained_records().items()}
    return vp.accuracy_bars(acc, chance(TRAIN_LENGTH), TRAIN_LENGTH)


def trained_length(ctx: Context) -> go.Figure:
    from core.labs.toy_task import TRAIN_LENGTH, chance
    from viz import positional as vp

    curves = {k: {int(n): a for n, a in r["accuracy"].items()} for k, r in _trained_records().items()}
    lengths = next(iter(curves.values()))
    return vp.accuracy_vs_length(curves, TRAIN_LENGTH, {n: chance(n) for n in lengths})


def trained_tables(ctx: Context) -> go.Figure:
    from core.labs.toy_task import load_trained, position_tables
    from viz import positional as vp

    return vp.similarity_side_by_side(position_tables(load_trained("learned")[0]))


def alibi_bias(ctx: Context) -> go.Figure:
    from core.labs.toy_task import TRAIN_LENGTH
    from core.positional import alibi_bias as bias
    from core.positional import alibi_slopes
    from viz import positional as vp

    return vp.head_maps(
        bias(4, TRAIN_LENGTH, TRAIN_LENGTH, causal=False).numpy(),
        signed=True,
        labels=[f"m=1/{round(1 / s)}" for s in alibi_slopes(4).tolist()],
        title="ALiBi: score bias per head",
    )


def rope(ctx: Context) -> go.Figure:
    from core.labs.positional_scorecard import rope_scores
    from viz import positional as vp

    return vp.rope_scores_figure(rope_scores(32, 16))


def trained_heads(ctx: Context, kind: str = "rope") -> go.Figure:
    from core.labs.toy_task import layer0_weights, load_trained
    from viz import positional as vp

    return vp.head_maps(layer0_weights(load_trained(kind)[0]), title=f"{kind}: trained layer-0 weights")
