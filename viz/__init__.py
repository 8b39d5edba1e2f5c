"""Attention Lab figures: arrays or a Capture in, plotly Figure out (no Streamlit, no model calls)."""
