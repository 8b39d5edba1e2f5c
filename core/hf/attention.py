"""Hugging Face models through the same capture: one instrumented attention function.

transformers 5.x computes attention in a plain function chosen by name from
`AttentionInterface`, so no module hook reaches the scores. We register ONE function under
`ATTN_IMPLEMENTATION` that computes attention with `core.attention.attention` (the same code
as our from-scratch models) and records q, k, v, scores, mask, weights and vectors into the
active `Recorder`. The matching mask builder (`eager_mask`) is registered too: without it a
custom name gets `attention_mask=None`, and GPT-2 silently turns bidirectional.

Module paths are mapped once per model (`Layout`) to capture names
`{stack}.{layer}.{block}`; forward hooks add `output` (after the output projection),
`{stack}.{layer}.resid_post`, `embed` and `pos_embed`. Hooks and the active recorder exist
only inside `instrumented(...)` and are removed in `finally`.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn
from transformers import AttentionInterface, PreTrainedModel
from transformers.integrations.sdpa_attention import repeat_kv
from transformers.masking_utils import AttentionMaskInterface, eager_mask

from core.attention import attention, causal_mask, shown_mask
from core.capture import QUANTITIES, Recorder

ATTN_IMPLEMENTATION = "attention_lab"
MASKED_BELOW = -1e4  # additive mask values at or below this mean "not allowed" (min float, -inf, -10000)

# Names of the output projection inside an attention module (Llama, BART, GPT-2, T5, DistilBERT).
_OUTPUT_PROJECTIONS = ("o_proj", "out_proj", "c_proj", "o", "out_lin", "wo", "dense")
_CROSS_MARKERS = ("encoder_attn", "crossattention", "EncDecAttention", "cross_attn")
_POSITION_NAMES = ("position_embeddings", "wpe", "embed_positions")
_UNSUPPORTED_KWARGS = ("softcap", "sinks", "s_aux")


# --------------------------------------------------------------------------- registration

def register() -> str:
    """Register the instrumented function and its mask builder (idempotent); returns the name."""
    AttentionInterface.register(ATTN_IMPLEMENTATION, instrumented_attention)
    AttentionMaskInterface.register(ATTN_IMPLEMENTATION, eager_mask)
    return ATTN_IMPLEMENTATION


def instrument(model: PreTrainedModel) -> Layout:
    """Switch `model` (in place) to the instrumented attention and map its modules to names.

    Raises ValueError when the model does not dispatch through the attention interface.
    """
    register()
    if model.config._attn_implementation != ATTN_IMPLEMENTATION:
        model.set_attn_implementation(ATTN_IMPLEMENTATION)
    if model.config._attn_implementation != ATTN_IMPLEMENTATION:
        raise ValueError(
            f"{type(model).__name__} does not use the transformers attention interface, so its "
            "attention scores cannot be captured (models written before transformers 4.48 style)")
    return Layout.of(model)


# --------------------------------------------------------------------------- layout

@dataclass
class Layout:
    """Where each capture name comes from in one HF model (built once, at load).

    attention: attention module -> '{stack}.{layer}.{block}' (its q, k, v, scores, ...)
    outputs:   (output projection, '{stack}.{layer}.{block}.output')
    layers:    (layer module, '{stack}.{layer}.resid_post')
    embeds:    (embedding module, names in call order), e.g. ['embed', 'decoder.embed'] when
               encoder and decoder share one table
    """

    arch: str
    attention: dict[nn.Module, str] = field(default_factory=dict)
    outputs: list[tuple[nn.Module, str]] = field(default_factory=list)
    layers: list[tuple[nn.Module, str]] = field(default_factory=list)
    embeds: list[tuple[nn.Module, list[str]]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every name a capture of this model can hold, in forward order."""
        names = [n for _, ns in self.embeds for n in ns]
        outputs = {name for _, name in self.outputs}
        layers = {name.rsplit(".", 1)[0]: name for _, name in self.layers}
        done: set[str] = set()
        for prefix in sorted(self.attention.values(), key=_name_order):
            names += [f"{prefix}.{q}" for q in QUANTITIES if q != "output" or f"{prefix}.output" in outputs]
            layer = prefix.rsplit(".", 1)[0]
            if layer in layers and layer not in done and not self._more_blocks(layer, prefix):
                names.append(layers[layer])
                done.add(layer)
        return names

    def _more_blocks(self, layer: str, prefix: str) -> bool:
        """True if `layer` has a block after `prefix` (cross_attn follows self_attn)."""
        return prefix.endswith("self_attn") and f"{layer}.cross_attn" in self.attention.values()

    @classmethod
    def of(cls, model: PreTrainedModel) -> Layout:
        modules = dict(model.named_modules())
        attn_paths = [p for p, m in modules.items() if _is_attention(m)]
        innermost = [p for p in attn_paths
                     if not any(o != p and o.startswith(p + ".") for o in attn_paths)]
        arch = architecture(model, [modules[p] for p in innermost])
        layout = cls(arch)
        layer_seen: dict[str, str] = {}
        for path in innermost:
            parts = path.split(".")
            index = next((i for i, part in enumerate(parts) if part.isdigit()), None)
            if index is None:
                continue
            module = modules[path]
            if arch == "encoder-decoder":
                stack = "decoder" if "decoder" in parts[:index] else "encoder"
            else:
                stack = arch
            cross = getattr(module, "is_cross_attention", False) or any(m in parts for m in _CROSS_MARKERS)
            prefix = f"{stack}.{parts[index]}.{'cross_attn' if cross else 'self_attn'}"
            if prefix in layout.attention.values():
                continue  # e.g. a second attention kind in one layer: keep the first
            layout.attention[module] = prefix
            out = _output_projection(modules, path)
            if out is not None:
                layout.outputs.append((out, f"{prefix}.output"))
            layer_path = ".".join(parts[: index + 1])
            if layer_path not in layer_seen:
                layer_seen[layer_path] = f"{stack}.{parts[index]}.resid_post"
                layout.layers.append((modules[layer_path], layer_seen[layer_path]))
        layout.embeds = _embeddings(model, arch, modules)
        return layout


def _name_order(prefix: str) -> tuple:
    stack, layer, block = prefix.split(".")
    return (stack != "encoder", int(layer), block != "self_attn")


def _is_attention(module: nn.Module) -> bool:
    name = type(module).__name__
    return "Attention" in name and any(True for _ in module.parameters(recurse=True))


def architecture(model: PreTrainedModel, attention_modules: list[nn.Module]) -> str:
    """'encoder-decoder' | 'decoder' (causal self-attention) | 'encoder' (bidirectional)."""
    if getattr(model.config, "is_encoder_decoder", False):
        return "encoder-decoder"
    if any(getattr(m, "is_causal", False) for m in attention_modules):
        return "decoder"
    return "encoder"


def _output_projection(modules: dict[str, nn.Module], path: str) -> nn.Module | None:
    for child in _OUTPUT_PROJECTIONS:
        if f"{path}.{child}" in modules:
            return modules[f"{path}.{child}"]
    parent = path.rsplit(".", 1)[0]
    return modules.get(f"{parent}.output.dense")  # BERT: the projection sits beside `self`


def _embeddings(model: PreTrainedModel, arch: str,
                modules: dict[str, nn.Module]) -> list[tuple[nn.Module, list[str]]]:
    """(module, names) for token embeddings and additive position embeddings."""
    found: dict[nn.Module, list[str]] = {}

    def add(module: nn.Module | None, name: str) -> None:
        if isinstance(module, nn.Module):
            found.setdefault(module, []).append(name)

    if arch == "encoder-decoder":
        for side, prefix in ((model.get_encoder(), ""), (model.get_decoder(), "decoder.")):
            token = getattr(side, "embed_tokens", None)
            add(token if token is not None else model.get_input_embeddings(), f"{prefix}embed")
            add(getattr(side, "embed_positions", None), f"{prefix}pos_embed")
        return list(found.items())
    add(model.get_input_embeddings(), "embed")
    for path, module in modules.items():
        if path.rsplit(".", 1)[-1] in _POSITION_NAMES and isinstance(module, nn.Embedding):
            add(module, "pos_embed")
            break
    return list(found.items())


# --------------------------------------------------------------------------- the function

@dataclass
class _Active:
    recorder: Recorder
    prefixes: dict[nn.Module, str]
    calls: int = 0
    masks: dict[int, tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]] = \
        field(default_factory=dict)


_STATE: contextvars.ContextVar[_Active | None] = contextvars.ContextVar("attention_lab_capture", default=None)


def split_mask(additive: torch.Tensor | None) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """HF's mask [batch, 1, q_pos, k_pos] -> (allowed bool, finite additive bias or None).

    Additive masks use 0 for allowed and min-float / -inf (or -10000 in older code) for not
    allowed; any other finite value on an allowed cell is a bias and is kept as one, so the
    captured scores stay finite and hold everything except the mask.
    """
    if additive is None:
        return None, None
    if additive.dtype == torch.bool:
        return additive, None
    allowed = additive > MASKED_BELOW
    bias = additive.masked_fill(~allowed, 0.0)
    return allowed, (bias if bool(bias.any()) else None)


def instrumented_attention(module: nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                           attention_mask: torch.Tensor | None, scaling: float | None = None,
                           dropout: float = 0.0, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """The attention function transformers calls for `ATTN_IMPLEMENTATION`.

    query [batch, heads, q_pos, d_head]; key, value [batch, kv_heads, k_pos, d_head] (GQA:
    kv_heads divides heads; expanded here); attention_mask additive [batch, 1, q_pos, k_pos]
    or None; `position_bias` (T5) is added to the scores. Returns (vectors transposed to
    [batch, q_pos, heads, d_head], weights [batch, heads, q_pos, k_pos]) like HF's eager code.
    """
    for name in _UNSUPPORTED_KWARGS:
        if kwargs.get(name) is not None:
            raise NotImplementedError(f"attention with {name!r} is not supported by Attention Lab's capture")
    state = _STATE.get()
    if key.shape[1] != query.shape[1]:
        n_rep = query.shape[1] // key.shape[1]
        key, value = repeat_kv(key, n_rep), repeat_kv(value, n_rep)
    mask, bias = _mask_and_bias(state, module, attention_mask, kwargs.get("position_bias"),
                                query.shape[-2], key.shape[-2], query.device)
    drop = None
    if dropout and module.training:
        drop = lambda w: nn.functional.dropout(w, p=dropout, training=True)
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    tap = _tap(state, module)
    query, key, value = tap("q", query), tap("k", key), tap("v", value)
    if tap is not _identity:
        tap("mask", shown_mask(mask, query.shape[0], query.shape[-2], key.shape[-2], query.device))
    # (q * scale) k^T instead of (q k^T) * scale: the same scores without a second
    # [batch, heads, q_pos, k_pos] tensor (what makes captures at 512 tokens cheap)
    result = attention(query * scaling, key, value, mask=mask, bias=bias, scale=1.0, tap=tap, dropout=drop)
    return result.vectors.transpose(1, 2).contiguous(), result.weights


def _mask_and_bias(state: _Active | None, module: nn.Module, attention_mask: torch.Tensor | None,
                   position_bias: torch.Tensor | None, q_len: int, k_len: int,
                   device: torch.device) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(allowed bool mask or None, additive score bias or None) for one attention call.

    HF's additive mask is split once per forward pass (every layer gets the same tensor: the
    split is cached on the active capture); T5's position bias joins the bias; a causal module
    called without a mask gets a causal one (never silently bidirectional)."""
    if state is not None and attention_mask is not None:
        cached = state.masks.get(id(attention_mask))
        if cached is None or cached[0] is not attention_mask:
            cached = state.masks[id(attention_mask)] = (attention_mask, *split_mask(attention_mask))
        mask, bias = cached[1], cached[2]
    else:
        mask, bias = split_mask(attention_mask)
    if position_bias is not None:
        bias = position_bias if bias is None else bias + position_bias
    if mask is None and getattr(module, "is_causal", False) and q_len > 1:
        mask = causal_mask(q_len, k_len).to(device)[None, None]
    return mask, bias


def _tap(state: _Active | None, module: nn.Module) -> Callable[[str, torch.Tensor], torch.Tensor]:
    """The function that records quantity `q` of this module as '{prefix}.{q}' into the active
    recorder (and counts the call), or the identity when nothing is being captured here."""
    prefix = state.prefixes.get(module) if state is not None else None
    if prefix is None:
        return _identity
    state.calls += 1
    record = state.recorder.record
    return lambda quantity, x: record(f"{prefix}.{quantity}", x)


def _identity(_name: str, x: torch.Tensor) -> torch.Tensor:
    return x


# --------------------------------------------------------------------------- hooks

def _first(output):
    return output[0] if isinstance(output, tuple) else output


def _replace_first(output, x: torch.Tensor):
    return (x, *output[1:]) if isinstance(output, tuple) else x


@contextmanager
def instrumented(layout: Layout, recorder: Recorder) -> Iterator[_Active]:
    """Forward hooks + the active recorder for one capture; all removed in `finally`."""
    handles: list = []
    token = None

    def hook_for(name: str):
        def hook(_module, _inputs, output):
            x = _first(output)
            new = recorder.record(name, x)
            return None if new is x else _replace_first(output, new)
        return hook

    def embed_hook(names: list[str]):
        calls = [0]

        def hook(_module, _inputs, output):
            i = calls[0]
            calls[0] += 1
            if i >= len(names) or not recorder.keep(names[i]):
                return None
            new = recorder.record(names[i], output)
            return None if new is output else new
        return hook

    try:
        for module, names in layout.embeds:
            if any(recorder.keep(n) for n in names):
                handles.append(module.register_forward_hook(embed_hook(names)))
        for module, name in layout.outputs + layout.layers:
            if recorder.keep(name):
                handles.append(module.register_forward_hook(hook_for(name)))
        active = _Active(recorder, layout.attention)
        token = _STATE.set(active)
        yield active
    finally:
        if token is not None:
            _STATE.reset(token)
        for handle in handles:
            handle.remove()


def active_capture() -> bool:
    """True while a capture is recording in this thread/context (for leak tests)."""
    return _STATE.get() is not None


def leftover_hooks(model: nn.Module) -> int:
    """Number of forward hooks on any module of `model` (transformers keeps some of its own;
    a capture must leave the count unchanged)."""
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def check_names(layout: Layout, name_list: list[str]) -> None:
    """Raise if a name is malformed (defensive check used by tests)."""
    pattern = re.compile(r"^((decoder\.)?(pos_)?embed|(encoder|decoder)\.\d+\.(resid_post|"
                         r"(self_attn|cross_attn)\.(q|k|v|scores|mask|weights|vectors|output)))$")
    bad = [n for n in name_list if not pattern.match(n)]
    if bad:
        raise ValueError(f"malformed capture names: {bad[:5]}")
