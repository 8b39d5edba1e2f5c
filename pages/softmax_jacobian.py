"""The softmax Jacobian, live: probabilities, J, its eigenvalues, ||J|| vs temperature, sqrt(d_k)."""

import numpy as np
import streamlit as st

from core.labs import softmax as sm
from ui import state
from ui.frame import frame, show_figure
from viz import softmax as vs

f = frame("Softmax Jacobian")


VAR_SAMPLES = 8_000  # relative standard error 1.6-2.2 %: plenty to see d_k vs 1, and ~0.2 s


@st.cache_data(show_spinner="Sampling random queries and keys…")
def variances() -> dict:
    dks = np.array([4, 16, 64, 256, 512])
    var = [sm.dot_product_variance(int(k), n_samples=VAR_SAMPLES) for k in dks]
    return {"d_k": dks, **{k: np.array([v[k] for v in var]) for k in ("unscaled", "scaled", "rel_se")}}


@st.cache_data(show_spinner="Sampling random queries and keys…", max_entries=32)
def saturation(d_k: int, n_keys: int) -> dict:
    return sm.saturation_stats(d_k, n_keys, trials=5000)


st.markdown(
    "> **Why do we talk about the Jacobian matrix of the softmax function rather than the gradient?** "
    "Because softmax is a vector function … whereas a gradient is the derivative of a *scalar* "
    "function. *(your flashcard)*\n\n"
    "s = softmax(z/T) maps n logits to n probabilities, and **every output depends on every input** "
    "through the shared normalisation, so its derivative is an n×n matrix: "
    "**J = (diag(s) − s sᵀ)/T**. Backprop never builds it; it computes the vector–Jacobian product "
    "Jᵀg = s ⊙ (g − sᵀg), which with cross-entropy becomes s − y."
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
st.markdown(
    "Blue: the Jacobian with respect to the scaled logits z/T never exceeds ½ (Popoviciu: the "
    "largest eigenvalue is a variance of a quantity bounded in [0, 1]). As the scale grows, s becomes "
    "one-hot and J → 0: a **saturated softmax passes almost no gradient**."
)

st.subheader("Why attention divides by √d_k")
c1, c2 = st.columns(2)
d_k = state.slider("d_k (query/key size)", "dk", 4, 512, 64, container=c1, step=4)
n_keys = state.slider("Number of keys", "nkeys", 2, 50, 10, container=c2)
var = variances()
c1, c2 = st.columns(2)
with c1:
    show_figure(vs.variance_figure(var["d_k"], var["unscaled"], var["scaled"], var["rel_se"]),
                key="sm_variance")
    st.caption(f"{VAR_SAMPLES:,} random (q, k) pairs per d_k; error bars ±2 standard errors "
               f"({100 * var['rel_se'].min():.1f}–{100 * var['rel_se'].max():.1f} % relative).")
with c2:
    show_figure(vs.saturation_figure(saturation(d_k, n_keys)), key="sm_saturation")
st.markdown(
    "For q, k ~ N(0, I): q·k is a sum of d_k unit-variance products, so Var(q·k) = d_k (AIAYN "
    "footnote 4). Unscaled scores are large, the softmax saturates, and its Jacobian, the factor "
    "every gradient to the scores passes through, collapses. Scaling by 1/√d_k does not change "
    "which key wins; it changes how peaked the weights are and how much gradient flows. "
    "(Reference at d_k = 64, 10 keys: mean max weight 0.865 vs 0.321, median ‖J‖ 0.074 vs 0.254.)"
)
