"""Gradient flow: RNN vs LSTM vs GRU vs Transformer across time, and through depth while training."""

import numpy as np
import streamlit as st

from core.labs import gradients as cg
from core.labs.training_dynamics import SNAPSHOT_PATH, VARIANTS
from ui import cache, state
from ui.frame import frame, show_figure
from viz import gradients as vg

f = frame("Gradient flow")
HIDDEN = 64


st.markdown(
    "**RNN downsides.** A recurrent net reads one token per step, so the gradient from the last "
    "output back to a token *d* steps earlier is a product of *d* Jacobians "
    "∂h_t/∂h_{t−1} = diag(σ′)·W. Products of many matrices **vanish** (norm < 1) or **explode** "
    "(> 1): on a log axis they are straight lines of slope log λ. Attention connects every token "
    "to the output in **one hop**, so its curve does not decay with distance."
)
c1, c2, c3, c4 = st.columns(4)
radius = state.slider("Spectral radius ρ of W", "rho", 0.1, 3.0, 1.0, container=c1, step=0.05)
activation = state.selectbox("RNN nonlinearity", ["tanh", "sigmoid"], "act", container=c2)
forget_bias = state.slider("LSTM forget-gate bias", "fbias", -2.0, 6.0, 1.0, container=c3, step=0.5)
length = state.slider("Sequence length", "len", 10, 200, 100, container=c4, step=10)

data = cache.gradient_curves(length, radius, activation, forget_bias, HIDDEN)
d = np.arange(length)
b = data["bound"]
refs = {f"λ^d, linear RNN with W = {radius:g}·Q": radius ** d.astype(float),
        f"Pascanu bound γ^(d+1)·λ₁^d, λ₁ = {b['lambda_1']:.2f}": b["bound"],
        "LSTM cell path Π f_t": data["cell"]}
show_figure(vg.gradient_distance_figure(data["curves"], refs), key="grad_distance")
flat = cg.flat_level(data["curves"]["transformer"], data["curves"]["rnn"])
st.markdown(
    f"**Flat, but not high.** The attention curve sits at a median of {flat['level']:.3g} for d ≥ 1, "
    f"about 1/n = {1 / length:.3g}: the softmax shares one unit of weight among n tokens, so each "
    "far token gets a small share, the same share at any distance."
    + (f" Close by, the {activation} RNN passes **more** gradient: at distances "
       f"{flat['rnn_wins'][0]}–{flat['rnn_wins'][-1]} its curve is above attention's. Attention wins "
       "at long range, not everywhere." if flat["rnn_wins"] else ""))

gamma, lam1 = cg.GAMMA[activation], b["lambda_1"]
verdict = ("λ₁ < 1/γ: vanishing is **guaranteed**" if lam1 < 1 / gamma else
           "λ₁ ≥ 1/γ: exploding is now **possible** (the condition is necessary, not sufficient)")
st.markdown(
    f"**Pascanu, Mikolov & Bengio (2013).** With ‖diag(σ′)‖ ≤ γ (γ = 1 for tanh, ¼ for sigmoid), "
    f"λ₁ < 1/γ (λ₁ = largest singular value of W) is *sufficient* for vanishing gradients; "
    f"λ₁ > 1/γ is *necessary* for exploding ones. Here γ = {gamma:g}, λ₁ = {lam1:.2f} "
    f"(ρ = {radius:g}; a non-normal W has λ₁ > ρ), 1/γ = {1 / gamma:g}: {verdict}.\n\n"
    f"**LSTM.** The cell path c_t = f_t⊙c_{{t−1}} + … multiplies only forget gates: "
    f"σ({forget_bias:g}) = {1 / (1 + np.exp(-forget_bias)):.3f} per step. It *eases* vanishing only "
    "when f ≈ 1; it does not remove it.\n\n"
    "**Truncated backprop through time** stops the product after k steps: the terms it drops are "
    "the right-hand part of these curves. It cannot learn a dependency longer than k because those "
    "terms are never computed, whatever their size: truncation is the limit, not vanishing. For a "
    "vanishing RNN the dropped terms are ≈ 0 anyway, so truncating costs it little it had."
)

st.subheader("Exploding gradients: the cliff, and clipping the gradient norm")
st.markdown(
    "One sigmoid unit xₜ = w·σ(xₜ₋₁) − 3, run for 15 steps from x₀ = 0.5 (Pascanu et al.'s "
    "Figure 6 idea): near w ≈ 5.62 each factor w·σ′ ≈ 1.3 and their product explodes, so the loss "
    "has a **wall**. A gradient-descent step that lands on it is thrown far away. Pascanu's remedy "
    "is to **clip the gradient norm**: g ← τ·g/‖g‖ when ‖g‖ > τ keeps the direction but caps the "
    "step at lr·τ. (Truncated backprop through time is a separate fix, for the *cost* of long "
    "sequences.)"
)
c1, c2 = st.columns(2)
clip = state.toggle("Clip the gradient norm", "clip", True, container=c1)
clip_t = state.slider("Clipping threshold τ", "clip_t", 1.0, 100.0, 10.0, container=c2, step=1.0,
                      disabled=not clip)
cliff = cg.pascanu_cliff(clip_t)
run, ref = cliff["clipped"], cliff["unclipped"]
show_figure(vg.cliff_figure(cliff["w"], cliff["loss"], ref, run if clip else None, cliff["wall"], clip_t),
            key="grad_cliff")
k = int(np.argmax(np.abs(ref["grad"])))
st.caption(f"Unclipped descent lands on the wall, where |dL/dw| = {abs(ref['grad'][k]):.0f} (median "
           f"over w: {np.median(np.abs(cliff['grad'])):.2f}); with lr = {cliff['lr']:g} its next step "
           f"is Δw = {ref['step'][k]:+.1f}, final loss {ref['loss'][-1]:.3g}."
           + (f" Clipped at τ = {clip_t:g}: every |Δw| ≤ {cliff['lr'] * clip_t:.2g}, final loss "
              f"{run['loss'][-1]:.3g}." if clip else ""))

st.subheader("Through depth: why residual connections and LayerNorm matter")
st.markdown(
    "Attention fixes the path *across positions*; *depth* still needs help. Four 6-layer "
    "transformers (same seed and data) learn a copy task; gradient norms are recorded at every step."
)
live = state.toggle("Recompute live (train the four models now instead of loading the recorded run)",
                    "live", False, help="The recorded run was made by scripts/make_training_snapshots.py "
                    "with the same seed and settings; a test checks it still matches the code.")
if not live and not SNAPSHOT_PATH.exists():
    st.info("No recorded run found (run `python scripts/make_training_snapshots.py`): training live.")
    live = True
hist = cache.live_histories() if live else cache.shipped_histories()
n_steps = len(next(iter(hist.values())).steps)
c1, c2 = st.columns(2)
variant = state.selectbox("Architecture", list(VARIANTS), "variant", container=c1)
step = state.slider("Training step", "step", 0, n_steps - 1, 0, container=c2)
h = hist[variant]
show_figure(vg.layer_gradient_figure(h.at(step), f"{variant}, step {step}"), key="grad_layers")
show_figure(vg.variant_comparison_figure({v: x.attention[step] for v, x in hist.items()}),
            key="grad_variants")
show_figure(vg.loss_curves_figure(h.steps, {v: x.loss for v, x in hist.items()}, current=step,
                               chance=float(np.log(16))), key="grad_loss")

st.subheader(f"Pretrained model ({f.model_name}): gradients per layer and per attention weight")
show_pretrained = state.toggle(f"Show them (runs {f.model_name} forward and backward on the sidebar "
                               "sentence)", "pretrained", False)
cap = f.capture(grads=True) if show_pretrained else None
if cap is not None:
    st.caption(f"Objective: {cap.meta.get('objective')}. Norms of activation gradients.")
    norms = cg.capture_gradient_norms(cap)
    show_figure(vg.layer_gradient_figure(norms, y_title="‖∂objective/∂activation‖"),
                key="grad_pretrained", capture=cap)

    st.subheader("Gradient of the objective with respect to the attention weights")
    stack = cap.blocks(block="self_attn")[0][0]
    n_layers = cap.n_layers(stack)
    weights = cap[f"{stack}.0.self_attn.weights"]
    groups = [f"heads {i}–{min(i + 4, weights.shape[1]) - 1}" for i in range(0, weights.shape[1], 4)]
    c1, c2 = st.columns(2)
    layer = state.slider("Layer", "glayer", 0, n_layers - 1, 0, container=c1)
    group = state.selectbox("Heads", groups, "gheads", container=c2)
    first = 4 * groups.index(group)
    name = f"{stack}.{layer}.self_attn.weights"
    heads = list(range(first, min(first + 4, weights.shape[1])))
    show_figure(vg.attention_gradient_figure(cap[name][0].numpy(), cap.grads[name][0].numpy(), cap.tokens,
                                          layer, heads), key="grad_attention", capture=cap)
    st.caption("Red cells: raising that weight would raise the objective; blue: lower it. "
               "Rows of weights sum to 1, so only differences within a row matter to softmax.")
