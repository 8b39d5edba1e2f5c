"""Attention Lab core: models, positional encodings and the capture (no Streamlit, no Plotly)."""

from core.attention import AttentionResult, MultiHeadAttention, attention, causal_mask, masked_softmax
from core.capture import Capture, capture
from core.config import PRESETS, TransformerConfig
from core.model import Transformer
from core.models import AVAILABLE, Model, load_model

__all__ = [
    "AVAILABLE", "AttentionResult", "Capture", "Model", "MultiHeadAttention", "PRESETS", "Transformer",
    "TransformerConfig", "attention", "capture", "causal_mask", "load_model", "masked_softmax",
]
