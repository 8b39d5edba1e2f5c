"""Showing user-typed text inside Markdown safely (st.markdown / st.error render Markdown)."""

from __future__ import annotations

_SPECIAL = set("\\`*_{}[]()#+-.!<>|~$")


def escaped(text: str) -> str:
    """`text` with every Markdown/HTML special character backslash-escaped: shown as typed, never
    as links, images or formatting."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in str(text))
