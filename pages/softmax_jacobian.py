"""The softmax Jacobian, live: probabilities, J, its eigenvalues, ||J|| vs temperature, sqrt(d_k)."""

import numpy as np
import streamlit as st

from core.labs import softmax as sm
from core.labs.deck_quotes import deck_quote
from ui import cache, state
from ui.frame import frame, show_figure
from viz import softmax as vs

f = frame("Softmax Jacobian")


VAR_SAMPLES = 8_000  # relative standard error 1.6-2.2 %: plenty to see d_k vs 1, and ~0.2 s


st.markdown(
    "> **Why do we talk about the Jacobian matrix of the softmax function rather the gradient?** *“"
    + deck_quote("Because softmax is a vector function") + " … "
    + deck_quote("Whereas a gradient is just another word for “the (partial) derivative of a scalar "
                 "function with respect to some variable") + "”* (your flashcard)\n\n"
    "s = softmax(z/T) maps n logits to n probabilities, and **every output depends on every input** "
    "through the shared normalisation, so its derivative is an n×n matrix: "
    "**J = (diag(s) − s sᵀ)/T**. Backprop never builds it; it computes the vector–Jacobian product "
    "Jᵀg = s ⊙ (g − sᵀg)/T, which with cross-entropy (T = 1) becomes s − y."
)
c1, c2 = st.columns([2, 1])
raw = state.text("Logits z (comma-separated)", "logits", "2, 1, 0.1, -1", container=c1)
temperature = state.slider("Temperature T", "temp", 0.1, 5.0, 1.0, container=c2, step=0.1)
logits, problem = state.parse_numbers(raw, 2, 16)
if problem:
    st.warning(f"Logits: {problem}. Type 2 to 16 finite numbers separated by commas, e.g. "
               "`2, 1, 0.1, -1`. Showing the default 2, 1, 0.1, −1.")
    logits = np.array([2.0, 1.0, 0.1, -1.0])

s = sm.softmax(logits, temperature).numpy()
if (s == 0).any():
    st.info(f"{int((s == 0).sum())} of the {len(s)} probabilities are exactly 0 in float64: their logits lie "
            "more than about 745·T below the largest, where e^(−745) underflows. Their rows and columns "
            "of J are 0: no gradient reaches them.")
jac = sm.softmax_jacobian(logits, temperature).numpy()
eig = np.linalg.eigvalsh(jac)
c1, c2 = st.columns(2)
with c1:
    show_figure(vs.probability_bars(s), key="sm_probs")
    show_figure(vs.eigenvalue_bars(eig), key="sm_eig")
with c2:
    show_figure(vs.jacobian_heatmap(jac), key="sm_jacobian")
st.markdown(
    f"Checks, live: J is symmetric (max |J − Jᵀ| = {np.abs(jac - jac.T).max():.1e}); every row sums "
    f"to 0 (max |row sum| = {np.abs(jac.sum(1)).max():.1e}), because adding the same number to every "
    f"logit changes nothing; trace J = (1 − ‖s‖²)/T = {(1 - s @ s) / temperature:.4f} "
    f"(computed: {np.trace(jac):.4f}); largest eigenvalue {eig[-1]:.4f}. The derivative of softmax "
    "is **not** just s(1−s): that is only the diagonal."
)

scales = np.geomspace(0.05, 20, 120)
curve = sm.jacobian_norm_vs_scale(logits, scales)
show_figure(vs.jacobian_norm_curve(curve["scale"], curve["wrt_scaled"], curve["wrt_logits"],
                                   current=1 / temperature), key="sm_norm")
half = float(np.linalg.eigvalsh(sm.softmax_jacobian(np.zeros(2), 1.0).numpy())[-1])
st.markdown(
    "Blue: the Jacobian with respect to the scaled logits z/T never exceeds ½. Why: for a unit "
    "vector u, uᵀJu = Σ sᵢuᵢ² − (Σ sᵢuᵢ)² is the *variance* of u's entries under the distribution s. "
    "A unit vector's entries span at most √2 (from 1/√2 to −1/√2), and a quantity spanning √2 has "
    "variance at most (√2)²/4 = ½ (Popoviciu). Two equal logits reach it: for z = (0, 0) the largest "
    f"eigenvalue is {half:.4g}. As the scale grows, s becomes one-hot and J → 0: a **saturated "
    "softmax passes almost no gradient**."
)

st.subheader("Why attention divides by √d_k")
c1, c2 = st.columns(2)
d_k = state.slider("d_k (query/key size)", "dk", 4, 512, 64, container=c1, step=4)
n_keys = state.slider("Number of keys", "nkeys", 2, 50, 10, container=c2)
var = cache.dot_product_variances(VAR_SAMPLES)
c1, c2 = st.columns(2)
with c1:
    show_figure(vs.variance_figure(var["d_k"], var["unscaled"], var["scaled"], var["rel_se"]),
                key="sm_variance")
    st.caption(f"{VAR_SAMPLES:,} random (q, k) pairs per d_k; error bars ±2 standard errors "
               f"({100 * var['rel_se'].min():.1f}–{100 * var['rel_se'].max():.1f} % relative).")
with c2:
    sat = cache.saturation(d_k, n_keys)
    show_figure(vs.saturation_figure(sat), key="sm_saturation")
st.markdown(
    "For q, k ~ N(0, I): q·k is a sum of d_k unit-variance products, so Var(q·k) = d_k (AIAYN "
    "footnote 4). Unscaled scores are large, the softmax saturates, and its Jacobian, the factor "
    "every gradient to the scores passes through, collapses. Scaling by 1/√d_k does not change "
    "which key wins; it changes how peaked the weights are and how much gradient flows. "
    f"(At d_k = {d_k}, {n_keys} keys, in the run drawn above: mean max weight "
    f"{sat['unscaled']['mean_max_weight']:.3f} unscaled vs {sat['scaled']['mean_max_weight']:.3f} "
    f"scaled, median ‖J‖ {sat['unscaled']['median_jacobian_norm']:.3f} vs "
    f"{sat['scaled']['median_jacobian_norm']:.3f}.)"
)
