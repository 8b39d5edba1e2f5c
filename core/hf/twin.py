"""The from-scratch twin: our `core.Transformer` running a real BERT checkpoint (MiniLM).

As nanoGPT and minGPT import GPT-2's weights, this file maps a BERT-family safetensors
checkpoint onto `core.Transformer` (post-norm, GELU, segment embeddings, LayerNorm after the
embeddings, learned positions, no sqrt(d_model) scaling, no output head), so every page can
run our own readable code on real pretrained weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from core.config import TransformerConfig
from core.model import Transformer


def config_from_bert(hf_config: dict) -> TransformerConfig:
    """TransformerConfig equivalent to a BERT config.json (a dict). Only 'absolute' positions
    and GELU (erf) are supported: anything else raises ValueError naming the field."""
    if hf_config.get("model_type", "bert") != "bert":
        raise ValueError(f"model_type={hf_config.get('model_type')!r}: the twin loads BERT checkpoints only")
    if hf_config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("position_embedding_type must be 'absolute' for the twin")
    if hf_config.get("hidden_act", "gelu") != "gelu":
        raise ValueError(f"hidden_act={hf_config.get('hidden_act')!r}: the twin implements 'gelu' (erf) only")
    return TransformerConfig(
        arch="encoder", vocab_size=hf_config["vocab_size"], d_model=hf_config["hidden_size"],
        n_heads=hf_config["num_attention_heads"], n_layers=hf_config["num_hidden_layers"],
        d_ff=hf_config["intermediate_size"], max_len=hf_config["max_position_embeddings"],
        positional="learned", dropout=0.0, norm="post", activation="gelu",
        layer_norm_eps=hf_config.get("layer_norm_eps", 1e-12),
        type_vocab_size=hf_config.get("type_vocab_size", 2), embed_norm=True,
        scale_embeddings=False, tie_embeddings=True, head=False,
    )


def bert_to_core(state: dict[str, torch.Tensor], n_layers: int) -> dict[str, torch.Tensor]:
    """Rename a BERT state dict (keys with or without a 'bert.' prefix) to core.Transformer's keys.

    The pooler and any task head are dropped: the twin reproduces the encoder's hidden states.
    """
    state = {k.removeprefix("bert."): v for k, v in state.items()}
    state = {k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias"): v
             for k, v in state.items()}
    names = {
        "token.weight": "embeddings.word_embeddings.weight",
        "embed.token.weight": "embeddings.word_embeddings.weight",  # the same (shared) table
        "embed.learned.table.weight": "embeddings.position_embeddings.weight",
        "embed.segment.weight": "embeddings.token_type_embeddings.weight",
        "embed.norm.weight": "embeddings.LayerNorm.weight",
        "embed.norm.bias": "embeddings.LayerNorm.bias",
    }
    per_layer = {
        "self_attn.w_q": "attention.self.query",
        "self_attn.w_k": "attention.self.key",
        "self_attn.w_v": "attention.self.value",
        "self_attn.w_o": "attention.output.dense",
        "norms.0": "attention.output.LayerNorm",
        "ff.up": "intermediate.dense",
        "ff.down": "output.dense",
        "norms.1": "output.LayerNorm",
    }
    for i in range(n_layers):
        for ours, theirs in per_layer.items():
            for p in ("weight", "bias"):
                names[f"encoder.layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
    missing = [theirs for theirs in names.values() if theirs not in state]
    if missing:
        raise ValueError(f"checkpoint is missing {len(missing)} BERT weights, e.g. {missing[:3]}")
    return {ours: state[theirs] for ours, theirs in names.items()}


def load_twin(folder: str | Path) -> Transformer:
    """core.Transformer with the weights of the BERT checkpoint in `folder`
    (config.json + model.safetensors), in eval mode."""
    folder = Path(folder)
    hf_config = json.loads((folder / "config.json").read_text())
    cfg = config_from_bert(hf_config)
    weights = folder / "model.safetensors"
    if not weights.exists():
        raise ValueError(f"{folder} has no model.safetensors: the twin loads safetensors weights only")
    model = Transformer(cfg)
    state = bert_to_core(load_file(str(weights)), cfg.n_layers)
    model.load_state_dict(state, strict=True)
    return model.eval()
