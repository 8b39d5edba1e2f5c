"""Catalogue figures of the gradient, softmax and cost pages, in each page's default state (pure)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from ui.catalog_figures import Context

# gradient_flow.py defaults: hidden 64, spectral radius 1, tanh, forget bias 1, length 100
HIDDEN, RADIUS, ACTIVATION, FORGET_BIAS, LENGTH = 64, 1.0, "tanh", 1.0, 100


@lru_cache(maxsize=1)
def _curves() -> dict:
    from core.labs import gradients as cg

    out = {
        k: cg.gradient_by_distance(
            k, LENGTH, HIDDEN, spectral_radius=RADIUS, activation=ACTIVATION, forget_bias=FORGET_BIAS
        )
        for k in cg.NETWORKS
    }
    bound = cg.pascanu_bound(LENGTH, HIDDEN, RADIUS, ACTIVATION)
    cell = cg.lstm_cell_path(LENGTH, HIDDEN, spectral_radius=RADIUS, forget_bias=FORGET_BIAS)["norm"]
    return {"curves": out, "bound": bound, "cell": cell}


def grad_distance(ctx: Context) -> go.Figure:
    from viz import gradients as vg

    data = _curves()
    d = np.arange(LENGTH)
    b = data["bound"]
    refs = {
        f"λ^d, linear RNN with W = {RADIUS:g}·Q": RADIUS ** d.astype(float),
        f"Pascanu bound (γλ₁)^d, λ₁ = {b['lambda_1']:.2f}": b["bound"],
        "LSTM cell path Π f_t": data["cell"],
    }
    return vg.gradient_distance_figure(data["curves"], refs)


def grad_cliff(ctx: Context, clip: float = 10.0) -> go.Figure:
    from core.labs import gradients as cg
    from viz import gradients as vg

    cliff = cg.pascanu_cliff(clip)
    return vg.cliff_figure(
        cliff["w"], cliff["loss"], cliff["unclipped"], cliff["clipped"], cliff["wall"], clip
    )


@lru_cache(maxsize=1)
def _histories() -> dict:
    from core.labs.training_dynamics import SNAPSHOT_PATH, SNAPSHOT_RUN, all_variant_histories, load_histories

    return (
        load_histories(SNAPSHOT_PATH)[0] if SNAPSHOT_PATH.exists() else all_variant_histories(**SNAPSHOT_RUN)
    )


def grad_layers(ctx: Context, variant: str = "residual + LayerNorm", step: int = 0) -> go.Figure:
    from viz import gradients as vg

    return vg.layer_gradient_figure(_histories()[variant].at(step), f"{variant}, step {step}")


def grad_variants(ctx: Context, step: int = 0) -> go.Figure:
    from viz import gradients as vg

    return vg.variant_comparison_figure({v: x.attention[step] for v, x in _histories().items()})


def grad_loss(ctx: Context, variant: str = "residual + LayerNorm") -> go.Figure:
    from viz import gradients as vg

    hist = _histories()
    return vg.loss_curves_figure(
        hist[variant].steps, {v: x.loss for v, x in hist.items()}, current=0, chance=float(np.log(16))
    )


def grad_pretrained(ctx: Context) -> go.Figure:
    from core.labs import gradients as cg
    from viz import gradients as vg

    return vg.layer_gradient_figure(
        cg.capture_gradient_norms(_grad_capture(ctx)), y_title="‖∂objective/∂activation‖"
    )


def grad_attention(ctx: Context, layer: int = 0) -> go.Figure:
    from viz import gradients as vg

    cap = _grad_capture(ctx)
    stack = cap.blocks(block="self_attn")[0][0]
    name = f"{stack}.{layer}.self_attn.weights"
    heads = list(range(min(4, cap[name].shape[1])))
    return vg.attention_gradient_figure(
        cap[name][0].numpy(), cap.grads[name][0].numpy(), cap.tokens, layer, heads
    )


def _grad_capture(ctx: Context):
    return ctx.cap(grads=True)


# ------------------------------------------------------------------ softmax Jacobian

LOGITS = np.array([2.0, 1.0, 0.1, -1.0])  # softmax_jacobian.py's default logits


def sm_probs(ctx: Context) -> go.Figure:
    from core.labs import softmax as sm
    from viz import softmax as vs

    return vs.probability_bars(sm.softmax(LOGITS, 1.0).numpy())


def sm_jacobian(ctx: Context) -> go.Figure:
    from core.labs import softmax as sm
    from viz import softmax as vs

    return vs.jacobian_heatmap(sm.softmax_jacobian(LOGITS, 1.0).numpy())


def sm_eigenvalues(ctx: Context) -> go.Figure:
    from core.labs import softmax as sm
    from viz import softmax as vs

    return vs.eigenvalue_bars(np.linalg.eigvalsh(sm.softmax_jacobian(LOGITS, 1.0).numpy()))


def sm_norm(ctx: Context) -> go.Figure:
    from core.labs import softmax as sm
    from viz import softmax as vs

    curve = sm.jacobian_norm_vs_scale(LOGITS, np.geomspace(0.05, 20, 120))
    return vs.jacobian_norm_curve(curve["scale"], curve["wrt_scaled"], curve["wrt_logits"], current=1.0)


@lru_cache(maxsize=1)
def _variances() -> dict:
    from core.labs import softmax as sm

    dks = np.array([4, 16, 64, 256, 512])
    var = [sm.dot_product_variance(int(k), n_samples=8_000) for k in dks]
    return {"d_k": dks, **{k: np.array([v[k] for v in var]) for k in ("unscaled", "scaled", "rel_se")}}


def sm_variance(ctx: Context) -> go.Figure:
    from viz import softmax as vs

    v = _variances()
    return vs.variance_figure(v["d_k"], v["unscaled"], v["scaled"], v["rel_se"])


def sm_saturation(ctx: Context, d_k: int = 64, n_keys: int = 10) -> go.Figure:
    from core.labs import softmax as sm
    from viz import softmax as vs

    return vs.saturation_figure(sm.saturation_stats(d_k, n_keys, trials=5000))


# ------------------------------------------------------------------ what attention costs

D, N_GRAPH, WIDTH = 256, 10, 3  # attention_cost.py's defaults


def _n() -> np.ndarray:
    return np.unique(np.geomspace(4, 8192, 60).astype(int))


def cost_table(ctx: Context) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    return vc.table1_figure(costs.TABLE_1, costs.TABLE_1_CAPTION)


def cost_ops(ctx: Context) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    return vc.op_count_figure(_n(), costs.op_counts(_n(), D), D)


def cost_time(ctx: Context, max_n: int = 512) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    ns = [int(n) for n in np.unique(np.geomspace(8, max_n, 9).astype(int))]
    table = costs.measure_costs(ns, D, repeats=3)
    cross = costs.measured_crossover(table["n"], table["self-attention"], table["recurrent (RNN)"])
    return vc.timing_figure(table, D, cross)


def cost_steps(ctx: Context) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    return vc.sequential_steps_figure(_n(), costs.sequential_steps(_n()))


def cost_graphs(ctx: Context) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    graphs = {
        f"{name} ({costs.GRAPH_LAYER[name]})": costs.connectivity(name, N_GRAPH, WIDTH)
        for name in costs.GRAPHS
    }
    return vc.connectivity_figure(graphs, {name: costs.max_path_length(a) for name, a in graphs.items()})


def cost_paths(ctx: Context) -> go.Figure:
    from core.labs import costs
    from viz import costs as vc

    return vc.path_length_figure(_n(), costs.path_lengths(_n(), k=3, r=32))
