"""Attention Lab core: models, positional encodings and the capture (no Streamlit, no Plotly)."""

from core.attention import AttentionResult, MultiHeadAttention, attention, causal_mask, masked_softmax
from core.capture import Capture, capture
from core.config import PRESETS, TransformerConfig
from core.model import Transformer

__all__ = [
    "AttentionResult", "Capture", "MultiHeadAttention", "PRESETS", "Transformer",
    "TransformerConfig", "attention", "capture", "causal_mask", "masked_softmax",
]
