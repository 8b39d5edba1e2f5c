"""Block anatomy: one sentence followed through one transformer layer, step by step.

`block_walk(model, text, layer)` captures the sentence once (per-head attention vectors and the
residual stream around the layer) and recomputes the rest of the block from the layer's own
weights, naming every step in the order the model runs it:

    post-norm (the paper, BERT/MiniLM, the twin):
        block input -> concatenated heads -> output projection W_O -> residual add -> LayerNorm
        -> feed-forward -> residual add -> LayerNorm (= resid_post)
    pre-norm (Llama/SmolLM2, core.Transformer with norm="pre"):
        block input -> norm -> concatenated heads -> W_O -> residual add -> norm -> feed-forward
        -> residual add (= resid_post)

Layer 0 is preceded by the embedding steps (token embedding, x sqrt(d_model) where the model
scales, + positional encoding where it is additive, + segment and LayerNorm for BERT). Every
step is [tokens, d_model]; the last one equals the captured `{stack}.{layer}.resid_post`
(`BlockWalk.error` says by how much). Supported: HF BERT and Llama-style layers and
core.Transformer blocks (encoder or decoder stacks without cross-attention).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

# x [n, d_model] -> (hidden [n, d_ff], out [n, d_model])
FFN = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class Recipe:
    """How one layer computes its block: the modules `block_walk` calls, and in which order."""

    family: str  # "BERT", "Llama", "core.Transformer"
    order: str  # "post" | "pre"
    norm_kind: str  # "LayerNorm" | "RMSNorm"
    out_proj: nn.Module  # W_O: concatenated heads [n, heads*d_head] -> [n, d_model]
    norm_attn: nn.Module  # after (post) or before (pre) the attention sublayer
    norm_ffn: nn.Module
    ffn: FFN
    ffn_formula: str


@dataclass
class Step:
    """One named step of the walk: x [tokens, d_model] and the formula that made it."""

    name: str
    x: np.ndarray
    formula: str
    part: str  # "embedding" | "attention" | "residual" | "norm" | "feed-forward" | "input"


@dataclass
class BlockWalk:
    """The steps of one layer for one sentence (see the module docstring).

    heads   [heads, tokens, d_head]: per-head attention vectors (weights @ v), as captured
    weights [heads, tokens, tokens]: the attention weights that made them
    ffn_in  [tokens, d_model] what the feed-forward layer reads; ffn_hidden [tokens, d_ff]
    resid_post [tokens, d_model]: the captured residual stream after the layer
    """

    model: str
    family: str
    stack: str
    layer: int
    n_layers: int
    order: str
    norm_kind: str
    tokens: list[str]
    steps: list[Step]
    heads: np.ndarray
    weights: np.ndarray
    ffn_in: np.ndarray
    ffn_hidden: np.ndarray
    resid_post: np.ndarray
    ffn_formula: str
    embed_scale: float = 1.0
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"no step {name!r}; steps: {', '.join(self.names)}")

    @property
    def block_start(self) -> int:
        """Index of the step 'block input'."""
        return self.names.index("block input")

    @property
    def error(self) -> float:
        """max |last step - captured resid_post|."""
        return float(np.abs(self.steps[-1].x - self.resid_post).max())


# --------------------------------------------------------------------------- recipes

def _core_ffn(ff: nn.Module) -> FFN:
    def run(x: torch.Tensor):
        hidden = ff.act(ff.up(x))
        return hidden, ff.down(hidden)
    return run


def _bert_ffn(layer: nn.Module) -> FFN:
    def run(x: torch.Tensor):
        hidden = layer.intermediate(x)  # dense + GELU
        return hidden, layer.output.dense(hidden)
    return run


def _llama_ffn(mlp: nn.Module) -> FFN:
    def run(x: torch.Tensor):
        hidden = mlp.act_fn(mlp.gate_proj(x)) * mlp.up_proj(x)
        return hidden, mlp.down_proj(hidden)
    return run


def _norm_kind(module: nn.Module) -> str:
    return "RMSNorm" if "RMS" in type(module).__name__ else "LayerNorm"


def recipe(layer: nn.Module) -> Recipe:
    """The Recipe of one layer module (HF BertLayer, LlamaDecoderLayer-like, or
    core.model.Block). Raises ValueError for layers it does not know."""
    from core.model import Block

    if isinstance(layer, Block):
        if layer.cross_attn is not None:
            raise ValueError("block_walk follows blocks without cross-attention (encoder stacks and "
                             "decoder-only models)")
        act = "GELU" if isinstance(layer.ff.act, nn.GELU) else "ReLU"
        return Recipe("core.Transformer", "pre" if layer.pre else "post", "LayerNorm", layer.self_attn.w_o,
                      layer.norms[0], layer.norms[-1], _core_ffn(layer.ff), f"W₂·{act}(W₁x + b₁) + b₂")
    if hasattr(layer, "attention") and hasattr(layer, "intermediate") and hasattr(layer, "output"):
        out = layer.attention.output
        return Recipe("BERT", "post", "LayerNorm", out.dense, out.LayerNorm, layer.output.LayerNorm,
                      _bert_ffn(layer), "W₂·GELU(W₁x + b₁) + b₂")
    if hasattr(layer, "input_layernorm") and hasattr(layer, "post_attention_layernorm") \
            and hasattr(getattr(layer, "mlp", None), "gate_proj"):
        return Recipe("Llama", "pre", _norm_kind(layer.input_layernorm), layer.self_attn.o_proj,
                      layer.input_layernorm, layer.post_attention_layernorm, _llama_ffn(layer.mlp),
                      "W_down·(SiLU(W_gate x) ⊙ W_up x)  (SwiGLU)")
    raise ValueError(f"block_walk does not know the layer type {type(layer).__name__}: it follows BERT, "
                     "Llama-style and core.Transformer blocks")


def layer_module(model, stack: str, layer: int) -> nn.Module:
    """The layer module `{stack}.{layer}` of a loaded Model (HFModel via its Layout, ScratchModel
    via its Stack)."""
    layout = getattr(model, "layout", None)
    if layout is not None:
        for module, name in layout.layers:
            if name == f"{stack}.{layer}.resid_post":
                return module
        raise ValueError(f"{model.name} has no layer {stack}.{layer}")
    stack_module = getattr(model.model, stack, None)
    if stack_module is None or not 0 <= layer < len(stack_module.layers):
        raise ValueError(f"{model.name} has no layer {stack}.{layer}")
    return stack_module.layers[layer]


# --------------------------------------------------------------------------- embeddings

def _embedding_steps(model, cap, tokens: int) -> tuple[list[Step], float]:
    """The steps that build layer 0's input, from the captured token / position embeddings and
    the model's own segment table and embedding LayerNorm."""
    embed = cap["embed"][0]
    steps, scale = [], 1.0
    inner = model.model
    if getattr(model, "layout", None) is None:  # core.Transformer
        emb = inner.embed
        scale = float(emb.scale)
        formula = f"E[token] × √d_model = × {scale:.3g}" if scale != 1.0 else "E[token] (no √d scaling)"
        steps.append(Step("token embedding", embed.numpy(), formula, "embedding"))
        x = embed
        if "pos_embed" in cap:
            x = x + cap["pos_embed"][0]
            steps.append(Step("+ positional encoding", x.numpy(), f"+ P[pos] ({emb.cfg.positional})",
                              "embedding"))
        if emb.segment is not None:
            x = x + emb.segment.weight[0].detach()
            steps.append(Step("+ segment embedding", x.numpy(), "+ S[segment 0]", "embedding"))
        if emb.norm is not None:
            x = emb.norm(x)
            steps.append(Step("LayerNorm (embeddings)", x.detach().numpy(), "LayerNorm(x)", "norm"))
        return steps, scale
    steps.append(Step("token embedding", embed.numpy(), "E[token] (no √d scaling)", "embedding"))
    x = embed
    if "pos_embed" in cap:
        x = x + cap["pos_embed"].reshape(-1, embed.shape[-1])[:tokens]
        steps.append(Step("+ positional encoding", x.numpy(), "+ P[pos] (learned table)", "embedding"))
    emb = getattr(getattr(inner, "embeddings", None), "token_type_embeddings", None)
    if emb is not None:  # BERT: segment 0, then LayerNorm
        x = x + emb.weight[0].detach()
        steps.append(Step("+ segment embedding", x.numpy(), "+ S[segment 0]", "embedding"))
        x = inner.embeddings.LayerNorm(x)
        steps.append(Step("LayerNorm (embeddings)", x.detach().numpy(), "LayerNorm(x)", "norm"))
    return steps, scale


def _names(stack: str, layer: int) -> list[str]:
    names = [f"{stack}.{layer}.self_attn.vectors", f"{stack}.{layer}.self_attn.weights",
             f"{stack}.{layer}.resid_post"]
    return names + ([f"{stack}.{layer - 1}.resid_post"] if layer > 0 else ["embed", "pos_embed"])


def block_walk(model, text: str, layer: int, stack: str | None = None) -> BlockWalk:
    """Every step of layer `layer` for `text`, in the model's own order (module docstring).

    model: a Model from core.load_model (HF BERT/Llama-style, or a ScratchModel).
    Raises ValueError for an unknown layer or a layer type it cannot follow.
    """
    stack = stack or ("decoder" if model.arch == "decoder" else "encoder")
    n_layers = int(model.info.get("n_layers") or 0)
    if not isinstance(layer, int) or not 0 <= layer < n_layers:
        raise ValueError(f"layer must be 0..{n_layers - 1} for {model.name}, got {layer!r}")
    rec = recipe(layer_module(model, stack, layer))
    wanted = [n for n in _names(stack, layer) if n in model.names]
    cap = model.capture(text, names=wanted)
    tokens = len(cap.tokens)
    with torch.no_grad():
        if layer == 0:
            steps, scale = _embedding_steps(model, cap, tokens)
            x = torch.as_tensor(steps[-1].x)
        else:
            steps, scale = [], 1.0
            x = cap[f"{stack}.{layer - 1}.resid_post"][0]
        steps.append(Step("block input", x.numpy(), f"output of layer {layer - 1}" if layer else
                          "the embeddings", "input"))
        vectors = cap[f"{stack}.{layer}.self_attn.vectors"][0]  # [heads, T, d_head]
        heads = vectors.shape[0]
        concat = vectors.transpose(0, 1).reshape(tokens, -1)
        norm = rec.norm_kind
        pre = rec.order == "pre"
        if pre:
            steps.append(Step(f"{norm} (before attention)", rec.norm_attn(x).numpy(), f"{norm}(x)", "norm"))
        steps.append(Step("concatenated heads", concat.numpy(),
                          f"[head 0 | … | head {heads - 1}], {heads} × {vectors.shape[-1]}", "attention"))
        attn_out = rec.out_proj(concat)
        steps.append(Step("output projection W_O", attn_out.numpy(), "concat · W_O", "attention"))
        x = x + attn_out
        steps.append(Step("residual add (attention)", x.numpy(), "x + attention(x)", "residual"))
        if not pre:
            x = rec.norm_attn(x)
            steps.append(Step(f"{norm} (after attention)", x.numpy(), f"{norm}(x + attention)", "norm"))
        ffn_in = rec.norm_ffn(x) if pre else x
        if pre:
            steps.append(Step(f"{norm} (before feed-forward)", ffn_in.numpy(), f"{norm}(x)", "norm"))
        hidden, ffn_out = rec.ffn(ffn_in)
        steps.append(Step("feed-forward", ffn_out.numpy(), rec.ffn_formula, "feed-forward"))
        x = x + ffn_out
        steps.append(Step("residual add (feed-forward)", x.numpy(), "x + FFN(x)", "residual"))
        if not pre:
            x = rec.norm_ffn(x)
            steps.append(Step(f"{norm} (after feed-forward)", x.numpy(), f"{norm}(x + FFN)", "norm"))
    return BlockWalk(model.name, rec.family, stack, layer, n_layers, rec.order, norm, list(cap.tokens), steps,
                     vectors.numpy(), cap[f"{stack}.{layer}.self_attn.weights"][0].numpy(),
                     ffn_in.numpy(), hidden.numpy(), cap[f"{stack}.{layer}.resid_post"][0].numpy(),
                     rec.ffn_formula, scale)


def feed_forward(model, layer: int, x: np.ndarray | torch.Tensor, stack: str | None = None) -> np.ndarray:
    """The feed-forward layer of `{stack}.{layer}` applied to the rows of x [n, d_model], each row
    on its own weights only: the same W₁, W₂ at every position. Returns [n, d_model]."""
    stack = stack or ("decoder" if model.arch == "decoder" else "encoder")
    rec = recipe(layer_module(model, stack, layer))
    with torch.no_grad():
        return rec.ffn(torch.as_tensor(np.asarray(x), dtype=torch.float32))[1].numpy()


def follow(walk: BlockWalk, token: int) -> dict[str, np.ndarray]:
    """One token's vector through the walk: its norm at each step and its cosine to the block input.

    Returns {"norm": [steps], "cosine_to_input": [steps]} (float64)."""
    if not 0 <= token < len(walk.tokens):
        raise ValueError(f"token must be 0..{len(walk.tokens) - 1}, got {token}")
    rows = np.stack([s.x[token] for s in walk.steps]).astype(np.float64)
    ref = rows[walk.block_start]
    norms = np.linalg.norm(rows, axis=1)
    cos = rows @ ref / np.maximum(norms * np.linalg.norm(ref), 1e-30)
    return {"norm": norms, "cosine_to_input": cos}


def token_norms(walk: BlockWalk) -> np.ndarray:
    """[steps, tokens] Euclidean norm of every token's vector at every step."""
    return np.stack([np.linalg.norm(s.x.astype(np.float64), axis=1) for s in walk.steps])


