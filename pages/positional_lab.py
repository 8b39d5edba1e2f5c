"""Positional encodings: side by side, the requirement scorecard, the failure demos, images."""

import numpy as np
import streamlit as st

from core.labs.deck_quotes import deck_quote
from core.labs.image_positions import grid_encodings, neighbour_similarities, similarity_map
from core.labs.positional_scorecard import MEASURES, near_level
from core.positional import DESCRIPTIONS, KINDS, positional_encoding
from ui import cache, state
from ui.frame import frame, show_figure
from viz import positional as vp

f = frame("Positional encodings")
st.markdown(
    "Attention on its own treats a sentence as a *bag* of words. A **positional encoding** tells each "
    "word where it stands. Your deck asks two things of it: *“"
    + deck_quote("Every position should have the same identifier irrespective of the sequence length or "
                 "what the input is") + "”*, and *“"
    + deck_quote("each dimension in the position embedding vector should be in [0,1]") + "”*, so position "
    "does not drown the meaning. Pick encodings and see which ones keep which promise, with numbers.")

sigma, sigma_source = cache.token_embedding_std()

DEFAULT_KINDS = ["sinusoidal", "sigmoid", "single_sine", "stretched_sine", "learned"]
kinds = state.multiselect("Encodings", KINDS, "pe_kinds", default=DEFAULT_KINDS,
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
                matrix, caption = cache.encoding_view(kind, n, d)
                show_figure(vp.encoding_matrix(matrix, kind), key=f"pe_matrix_{kind}", export=False)
                st.caption(f"**{kind}**: {DESCRIPTIONS[kind]}. {caption}")
    focus = state.selectbox("Look closer at", kinds, "pe_focus", default=kinds[0])
    pe, _ = cache.encoding_view(focus, n, d)
    a, b = st.columns(2)
    with a:
        show_figure(vp.dims_vs_position(pe, dims=[x for x in (4, 5, 6, 7) if x < pe.shape[1]] or [0]),
                    key="pe_dims")
        st.caption("The Annotated Transformer's view: dims 4-7 against position. Sinusoids at a few "
                   "speeds; a broadcast scalar encoding draws the same curve in every dimension.")
        show_figure(vp.similarity_matrix(pe), key="pe_sim")
    with b:
        long = pe if focus == "alibi" else cache.encoding_view(focus, max(n, 2048), d)[0]  # finer bins
        spectrum = vp.spectrum(long)
        show_figure(spectrum, key="pe_fft")
        slow = spectrum.layout.meta["unresolved"]
        st.caption("The Fourier card: each sin/cos column is one pure tone, and the tones are spaced "
                   "geometrically (evenly on this log axis). Shifting position = rotating every phase."
                   + (f" Not the {'column' if len(slow) == 1 else 'columns'} {', '.join(map(str, slow))}: "
                      f"their periods are longer than the {spectrum.layout.meta['n_positions']} positions "
                      "analysed, so they pile up in the lowest frequency bin instead of at their own "
                      "tone." if slow else ""))
        show_figure(vp.similarity_by_offset(pe), key="pe_offset")
        st.caption("+k and −k lie on top of each other for sin/cos: the dot product cannot tell "
                   "before from after.")
    pos = state.slider("Clock hands: position", "pe_clock", 0, 1000, 5)
    show_figure(vp.clock_hands(d, pos), key="pe_clock_fig", export=False)
    st.caption("Kernes's dials: each (sin, cos) pair is a hand turning at its own speed. The fast hands "
               "separate neighbours; the slow ones tell far positions apart.")
    show_figure(vp.pca_3d({k: cache.encoding_view(k, n, d)[0] for k in kinds if k not in ("alibi", "none")}),
                key="pe_pca")
    st.caption("Sin/cos traces an open curve that never crosses itself; a single sine folds back on a "
               "line, so distant positions land on the same point. The big dot is position 0.")

with score:
    cards = [cache.scorecard(k, n, d, embedding_std=sigma) for k in kinds]
    show_figure(vp.scorecard_table(cards, MEASURES), key="pe_scorecard")
    st.caption(f"Thresholds are in units of σ = {sigma:.3g}, the per-dimension spread of the token "
               f"embeddings ({sigma_source}). ✓ meets the requirement, ✗ fails it, n/a: the measure "
               "does not apply, uninformative: the fit says nothing at this N and d (raise N). The "
               "notes below say why, cell by cell.")
    sin_card = next((c for c in cards if c["kind"] == "sinusoidal"), None) or cache.scorecard(
        "sinusoidal", n, d, embedding_std=sigma)
    sc = sin_card["scale"]
    st.markdown(
        f"**[0, 1] is not what sin/cos does, and that is fine.** Sin/cos values lie in [−1, 1]; the "
        f"deck's [0, 1] asks for something stronger than needed. What matters is size against the words: "
        f"sin/cos has RMS {sc['rms']:.3g} per dimension, {sc['value']:.3g}× the token-embedding spread "
        f"σ = {sigma:.3g}. The paper multiplies its embeddings by √d_model = {np.sqrt(d):.3g}, which "
        f"brings that to {sc['scaled']:.3g}×: the same order, so neither drowns the other.")
    for name, info in MEASURES.items():
        with st.expander(f"{info['requirement']}: `{name}`"):
            st.markdown(f"> *“{info['deck']}”* (your deck)")
            if info.get("comment"):
                st.markdown(info["comment"])
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
               f"differ by {abs(np.sin(355.0)):.1g} only (355/113 ≈ π). Your deck: *“"
               + deck_quote("The periodicity of sin and cos would lead to multiple indices receiving "
                            "the same positional value") + "”*.")
    st.subheader("A very stretched sine is drowned by the words")
    stretch = state.selectbox("Stretch s in sin(p/s)", [100, 1000, 10000], "pe_stretch", default=10000)
    stretched = positional_encoding("stretched_sine", 512, 1, stretch=float(stretch))[:, 0].numpy()
    show_figure(vp.stretched_band(stretched, sigma), key="pe_band")
    st.caption(f"Neighbouring positions differ by at most {np.abs(np.diff(stretched)).max():.2g}, against a "
               f"word-embedding spread σ = {sigma:.3g}. Your deck: *“"
               + deck_quote("the semantic values would overshadow the positional values") + "”*.")
    st.subheader("A sigmoid saturates")
    s32 = positional_encoding("sigmoid", 50, 1)[:, 0].numpy()
    s64 = 1 / (1 + np.exp(-np.arange(50, dtype=np.float64)))
    show_figure(vp.sigmoid_saturation(s32, s64), key="pe_sigmoid")
    first_one = int(np.flatnonzero(s32 == 1.0)[0])
    st.caption(f"Every position from 5 on lies within {1 - s64[5]:.2g} of 1; in float32 σ(p) is exactly "
               f"1.0 from p = {first_one}, so positions {first_one}, {first_one + 1}, {first_one + 2} … get "
               "*identical* encodings.")
    st.subheader("Counting: normalised and raw")
    a, b = st.columns(2)
    with a:
        show_figure(vp.normalized_index((5, 10, 20)), key="pe_norm")
        st.caption("p/(N−1): position 2 is 0.5 in a 5-word sentence and 0.222 in a 10-word one.")
    with b:
        raw = vp.raw_index(n, sigma)
        show_figure(raw, key="pe_raw")
        st.caption(f"p itself grows without bound: at position {raw.layout.meta['last']} it is "
                   f"{raw.layout.meta['ratio']:,.0f}× the word spread σ = {sigma:.3g}.")

with images:
    st.markdown("The deck says sin/cos works best for **text**: *“"
                + deck_quote("Apparently doesn’t work that well for images") + "”*. "
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
