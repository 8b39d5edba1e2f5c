"""Cached access to models (one per process) and captures (per model + text)."""

from __future__ import annotations

import streamlit as st

from core.capture import Capture


@st.cache_resource(show_spinner=False, max_entries=4)
def get_model(name: str, _progress=None):
    """The loaded model `name` (core.load_model), shared by every session."""
    from core import load_model

    return load_model(name, progress=_progress) if _progress else load_model(name)


@st.cache_data(show_spinner=False, max_entries=64)
def get_capture(name: str, text: str, pair: str | None = None, target: str | None = None,
                grads: bool = False) -> Capture:
    """Model.capture(text, ...) for a model name, cached by its arguments."""
    return get_model(name).capture(text, pair=pair, target=target, grads=grads)


def capture_cache_info() -> str:
    """How the last capture request was served, for the benchmark and the curious."""
    return st.session_state.get("_last_capture_source", "")
