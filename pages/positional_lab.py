"""Positional encodings: side by side, the requirement scorecard, the failure demos, images."""

import numpy as np
import streamlit as st

from core.labs.image_positions import grid_encodings, neighbour_similarities, similarity_map
from core.labs.positional_scorecard import MEASURES, encoding_view, near_level, scorecard
from core.labs.reference_embeddings import token_embedding_std
from core.positional import DESCRIPTIONS, KINDS, positional_encoding
from ui import state
from ui.frame import frame, show_figure
from viz import positional as vp

f = frame("Positional encodings")
st.markdown(
    "Attention on its own treats a sentence as a *bag* of words. A **positional encoding** tells each "
    "word where it stands. Your deck asks two things of it: *every position should have the same "
    "identifier irrespective of the sequence length*, and its values *should be bounded* so position "
    "does not drown the meaning. Pick encodings and see which ones keep both promises, with numbers.")

cached_card = st.cache_data(scorecard, show_spinner=False)
cached_view = st.cache_data(encoding_view, show_spinner=False)
sigma, sigma_source = st.cache_data(token_embedding_std)()

kinds = state.multiselect("Encodings", KINDS, "pe_kinds",
                          default=["sinusoidal", "sigmoid", "single_sine", "learned"],
                          format_func=lambda k: k.replace("_", " "))
c2, c3 = st.columns([3, 1])
n = state.slider("Positions N", "pe_n", 8, 512, 64, container=c2, step=8)
d = state.selectbox("d_model", [8, 16, 32, 64, 128, 256, 512], "pe_d", default=64, container=c3)
kinds = kinds or ["sinusoidal"]

side, score, fails, images = state.tabs(["Side by side", "Scorecard", "Failure demos", "Images card"],
                                        "pe_tab")
with side:
    for row in range(0, len(kinds), 2):
        for col, kind in zip(st.columns(2), kinds[row:row + 2]):
            with col:
                matrix, caption = cached_view(kind, n, d)
                show_figure(vp.encoding_matrix(matrix, kind), key=f"pe_matrix_{kind}", export=False)
                st.caption(f"**{kind}**: {DESCRIPTIONS[kind]}. {caption}")
    focus = state.selectbox("Look closer at", kinds, "pe_focus", default=kinds[0])
    pe, _ = cached_view(focus, n, d)
    a, b = st.columns(2)
    with a:
        show_figure(vp.dims_vs_position(pe, dims=[x for x in (4, 5, 6, 7) if x < pe.shape[1]] or [0]),
                    key="pe_dims")
        st.caption("The Annotated Transformer's view: dims 4-7 against position. Sinusoids at a few "
                   "speeds; a broadcast scalar encoding draws the same curve in every dimension.")
        show_figure(vp.similarity_matrix(pe), key="pe_sim")
    with b:
        long = pe if focus == "alibi" else cached_view(focus, max(n, 2048), d)[0]  # finer frequency bins
        show_figure(vp.spectrum(long), key="pe_fft")
        st.caption("The Fourier card: each sin/cos column is one pure tone, and the tones are spaced "
                   "geometrically (evenly on this log axis). Shifting position = rotating every phase.")
        show_figure(vp.similarity_by_offset(pe), key="pe_offset")
        st.caption("+k and −k lie on top of each other for sin/cos: the dot product cannot tell "
                   "before from after.")
    pos = state.slider("Clock hands: position", "pe_clock", 0, 1000, 5)
    show_figure(vp.clock_hands(d, pos), key="pe_clock_fig", export=False)
    st.caption("Kernes's dials: each (sin, cos) pair is a hand turning at its own speed. The fast hands "
               "separate neighbours; the slow ones tell far positions apart.")
    show_figure(vp.pca_3d({k: cached_view(k, n, d)[0] for k in kinds if k not in ("alibi", "none")}),
                key="pe_pca")
    st.caption("Sin/cos traces an open curve that never crosses itself; a single sine folds back on a "
               "line, so distant positions land on the same point.")

with score:
    cards = [cached_card(k, n, d, embedding_std=sigma) for k in kinds]
    show_figure(vp.scorecard_table(cards, MEASURES), key="pe_scorecard")
    st.caption(f"Token-embedding spread σ = {sigma:.3g} ({sigma_source}). ✓ meets the requirement, "
               "✗ fails it, n/a: the measure does not apply (the cell says why on hover of the notes below).")
    for name, info in MEASURES.items():
        with st.expander(f"{info['requirement']}: `{name}`"):
            st.markdown(f"> *{info['deck']}*")
            for card in cards:
                st.markdown(f"- **{card['kind']}**: {card[name]['note']}")

with fails:
    st.subheader("A single sine repeats itself")
    level = state.slider("Level line", "pe_level", -1.0, 1.0, 0.0, step=0.01)
    eps = state.select_slider("Tolerance ε", [1e-1, 1e-2, 1e-3, 1e-4], "pe_eps", default=1e-2)
    sine = positional_encoding("single_sine", 360, 1)[:, 0].numpy()
    hits = near_level(sine, level, eps)
    show_figure(vp.level_line(sine, level, eps), key="pe_level_fig")
    st.caption(f"sin(p) takes the value {level:.2f} ± {eps:g} at {len(hits)} positions "
               f"({', '.join(map(str, hits[:12]))}{' …' if len(hits) > 12 else ''}). sin(0) and sin(355) "
               "differ by 3e-5 only (355/113 ≈ π): *multiple indices receive the same positional value*.")
    st.subheader("A very stretched sine is drowned by the words")
    stretch = state.selectbox("Stretch s in sin(p/s)", [100, 1000, 10000], "pe_stretch", default=10000)
    stretched = positional_encoding("stretched_sine", 512, 1, stretch=float(stretch))[:, 0].numpy()
    show_figure(vp.stretched_band(stretched, sigma), key="pe_band")
    st.caption(f"Neighbouring positions differ by at most {np.abs(np.diff(stretched)).max():.2g}, against a "
               f"word-embedding spread σ = {sigma:.3g}: *the semantic values would overshadow the positional "
               "values*.")
    st.subheader("A sigmoid saturates")
    s32 = positional_encoding("sigmoid", 50, 1)[:, 0].numpy()
    s64 = 1 / (1 + np.exp(-np.arange(50, dtype=np.float64)))
    show_figure(vp.sigmoid_saturation(s32, s64), key="pe_sigmoid")
    st.caption("Every position from 5 on lies within 0.0067 of 1; in float32 σ(p) is exactly 1.0 from "
               "p = 17, so positions 17, 18, 19 … get *identical* encodings.")
    st.subheader("Counting: normalised and raw")
    a, b = st.columns(2)
    with a:
        show_figure(vp.normalized_index((5, 10, 20)), key="pe_norm")
        st.caption("p/(N−1): position 2 is 0.5 in a 5-word sentence and 0.222 in a 10-word one.")
    with b:
        show_figure(vp.raw_index(n, sigma), key="pe_raw")
        st.caption("p itself grows without bound: at position 500 it is 10,000× the word spread.")

with images:
    st.markdown("The deck says sin/cos works best for **text** and *doesn't work that well for images*. "
                "What actually fails is flattening the grid: a 1-D code over raster order.")
    anchor = (5, 13)
    maps = {k: similarity_map(v, 14, 14, anchor) for k, v in grid_encodings(14, 14, 768).items()}
    numbers = neighbour_similarities(14, 14, 768)
    show_figure(vp.images_card(maps["1-D"], maps["2-D"], numbers, anchor), key="pe_images")
    one, two = numbers["1-D"], numbers["2-D"]
    st.caption(f"1-D: the patch to the right {one['right']:.3f}, below {one['below']:.3f}, and the row-wrap "
               f"pair (5,13)–(6,0), 13 columns apart, {one['row wrap']:.3f}: as close as a true neighbour. "
               f"2-D (MAE): {two['right']:.3f} / {two['below']:.3f} / {two['row wrap']:.3f}. Better wording "
               "for the card: 1-D sin/cos over a flattened image misrepresents 2-D adjacency.")
