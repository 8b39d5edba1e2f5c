"""Attention Lab core: the engine (config, attention, positional encodings, model, hooks,
capture, objectives, rng) and `load_model`, the one entry point to every model.

core/hf/ adapts Hugging Face models to the same capture; core/labs/ holds the lab computations
built on the engine (the engine never imports them). No Streamlit, no Plotly.
"""

from core.attention import (
    AttentionResult,
    MultiHeadAttention,
    attention,
    causal_mask,
    masked_softmax,
    softmax_jacobian,
)
from core.capture import Capture, capture
from core.config import PRESETS, TransformerConfig
from core.load import AVAILABLE, Model, load_model
from core.model import Transformer

__all__ = [
    "AVAILABLE", "AttentionResult", "Capture", "Model", "MultiHeadAttention", "PRESETS", "Transformer",
    "TransformerConfig", "attention", "capture", "causal_mask", "load_model", "masked_softmax",
    "softmax_jacobian",
]
