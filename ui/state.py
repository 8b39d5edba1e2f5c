"""Widget state that survives page switches and lives in the URL query string.

Streamlit forgets a widget's value when a run does not draw it (another page), so every
mirrored widget keeps its value twice: the widget key (`key`, what tests address) and a
canonical copy (`_keep_<key>`) that outlives page switches and is written to the URL, so a
bookmark reopens the exact view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

_MIRRORED = "_query_keys"
_PAGE_CHANGED = "_page_changed"
_LAST_PAGE = "_last_page"


def note_page(page_id: str) -> None:
    """Call once per run before any mirrored widget: remembers whether this run switched page."""
    st.session_state[_PAGE_CHANGED] = st.session_state.get(_LAST_PAGE) != page_id
    st.session_state[_LAST_PAGE] = page_id


def _fragment_rerun() -> bool:
    """True while Streamlit reruns only fragments (a widget inside an st.fragment changed):
    such a run never calls note_page, so the page-switch flag of the last full run is stale."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return False
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def _keep(key: str) -> str:
    return f"_keep_{key}"


def _parse(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(float(raw))
    if isinstance(default, float):
        return float(raw)
    return raw


def value(key: str, default: Any = None) -> Any:
    """The current canonical value of a mirrored key (or `default`)."""
    return st.session_state.get(_keep(key), default)


def set_value(key: str, new: Any) -> None:
    """Change a mirrored key from code (e.g. a click on an overview tile opens that head)."""
    st.session_state[_keep(key)] = new
    st.session_state.pop(key, None)  # the widget picks the new value up when next drawn


def _prepare(key: str, default: Any, valid: Callable[[Any], bool]) -> None:
    """Make sure the canonical and the widget value exist and are valid before drawing."""
    keep = _keep(key)
    if keep not in st.session_state:
        start = default
        raw = st.query_params.get(key)
        if raw is not None:
            try:
                parsed = _parse(raw, default)
                if valid(parsed):
                    start = parsed
            except (TypeError, ValueError):
                pass
        st.session_state[keep] = start
    if not valid(st.session_state[keep]):
        st.session_state[keep] = default
    # On a page switch the browser resends a remounted widget's *initial* value, which Streamlit
    # prefers to the key's state: give the widget the canonical value explicitly. Not in a
    # fragment rerun: there the widget's new value is the user's change (resetting it made every
    # slider of a fragment snap back after a page switch).
    page_changed = st.session_state.get(_PAGE_CHANGED) and not _fragment_rerun()
    if page_changed or key not in st.session_state \
            or not valid(st.session_state[key]):
        st.session_state[key] = st.session_state[keep]
    st.session_state.setdefault(_MIRRORED, set()).add(key)


def _drawn(key: str, result: Any) -> Any:
    st.session_state[_keep(key)] = result
    return result


def publish() -> None:
    """Write every mirrored key's canonical value to the query string (only when it changed)."""
    wanted = {}
    for key in sorted(st.session_state.get(_MIRRORED, set())):
        v = st.session_state.get(_keep(key))
        if v is not None:
            wanted[key] = str(int(v)) if isinstance(v, bool) else str(v)
    if any(st.query_params.get(k) != v for k, v in wanted.items()):
        st.query_params.update(wanted)


def slider(label: str, key: str, min_value: int | float, max_value: int | float,
           default: int | float, container=None, **kwargs) -> int | float:
    """st.slider mirrored in the URL as `key`; a one-valued range is shown as a caption."""
    container = container or st
    default = min(max(default, min_value), max_value)
    if max_value <= min_value:
        st.session_state[_keep(key)] = min_value
        container.caption(f"{label}: {min_value}")
        return min_value
    _prepare(key, default, lambda v: isinstance(v, int | float) and min_value <= v <= max_value)
    return _drawn(key, container.slider(label, min_value, max_value, key=key, **kwargs))


def selectbox(label: str, options: Sequence, key: str, default: Any = None, container=None,
              **kwargs) -> Any:
    """st.selectbox mirrored in the URL as `key`."""
    container = container or st
    options = list(options)
    default = options[0] if default is None or default not in options else default
    _prepare(key, default, lambda v: v in options)
    return _drawn(key, container.selectbox(label, options, key=key, **kwargs))


def toggle(label: str, key: str, default: bool = False, container=None, **kwargs) -> bool:
    container = container or st
    _prepare(key, default, lambda v: isinstance(v, bool))
    return _drawn(key, container.toggle(label, key=key, **kwargs))


def text(label: str, key: str, default: str = "", container=None, area: bool = False,
         **kwargs) -> str:
    """st.text_input (or text_area) mirrored in the URL as `key`."""
    container = container or st
    _prepare(key, default, lambda v: isinstance(v, str))
    widget = container.text_area if area else container.text_input
    return _drawn(key, widget(label, key=key, **kwargs))
