"""Widget state that survives page switches and lives in the URL query string (bookmarks).

How a bookmark works
--------------------
Every widget a bookmark should restore is drawn through a helper of this module
(`slider`, `selectbox`, `select_slider`, `multiselect`, `toggle`, `text`, `tabs`); the widget's
`key` is also its URL query parameter. Each mirrored key keeps its value twice: the widget key
(what Streamlit and tests address) and a canonical copy `_keep_<key>` that outlives page
switches (Streamlit forgets the value of a widget that a run does not draw).

- **Reading the URL**: the first time a session draws a key, its start value comes from the
  query parameter, parsed and validated (numbers finite and in range, whole numbers for integer
  widgets, options by their URL spelling, booleans as 1/0/true/false). A value that is not valid
  is replaced by the widget's default and a warning next to the widget names the parameter, the
  URL text (escaped: shown as plain text, never as Markdown or HTML) and the value used instead.
- **Writing the URL**: publishing is automatic. Each helper publishes right after its widget is
  drawn, so the URL holds the value the user sees at the end of every run, and holds it in the
  same run (the widget's new value is known once it is drawn). This also covers a page that
  Streamlit runs alone, without `app.py` (a bookmark on a fresh server, AppTest), and a page that
  stops early (`st.stop()`): whatever was drawn is published. `app.py` publishes once more after
  the page has run, and `set_value` (a click that opens a view) publishes too. A publish writes
  only when a value differs from the URL, so an unchanged run sends nothing. Every key mirrored
  in the session is written, so a page switch keeps the sidebar's model and sentence in the URL.
- Streamlit 1.67's own `bind="query-params"` is not used: it drops invalid URL values without
  a message, removes the parameters of widgets that the current page does not draw (our
  canonical copies would then disagree with the URL), and is applied by the browser, so AppTest
  cannot see the URL change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from ui.escape import md

_MIRRORED = "_query_keys"
_PAGE_CHANGED = "_page_changed"
_LAST_PAGE = "_last_page"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class _Substitute(ValueError):
    """A URL value that was adjusted (not dropped): use `value` and say `note`."""

    def __init__(self, value: Any, note: str):
        super().__init__(note)
        self.value, self.note = value, note


def note_page(page_id: str) -> None:
    """Call once per run before any mirrored widget: remembers whether this run switched page."""
    st.session_state[_PAGE_CHANGED] = st.session_state.get(_LAST_PAGE) != page_id
    st.session_state[_LAST_PAGE] = page_id


def escape_markdown(text: str, limit: int = 80) -> str:
    """`text` as literal characters inside a message (ui.escape.md), shortened to `limit`
    characters with an ellipsis: a URL value can be long."""
    text = " ".join(str(text).split())
    return md(text[:limit] + "…" if len(text) > limit else text)


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


def value(key: str, default: Any = None) -> Any:
    """The current canonical value of a mirrored key (or `default`)."""
    return st.session_state.get(_keep(key), default)


def set_value(key: str, new: Any) -> None:
    """Change a mirrored key from code (e.g. a click on an overview tile opens that head)."""
    st.session_state[_keep(key)] = new
    st.session_state.pop(key, None)  # the widget picks the new value up when next drawn
    publish()


def _url_text(v: Any) -> str:
    return str(int(v)) if isinstance(v, bool) else str(v)


def _url_values(v: Any) -> list[str]:
    """A canonical value as query-parameter values: one string, or one per item of a list
    (an empty list is one empty value, so that 'nothing selected' survives a bookmark)."""
    if isinstance(v, list | tuple):
        return [_url_text(x) for x in v] or [""]
    return [_url_text(v)]


def publish() -> None:
    """Write every mirrored key's canonical value to the query string (only when it changed)."""
    changed = {}
    for key in sorted(st.session_state.get(_MIRRORED, set())):
        v = st.session_state.get(_keep(key))
        if v is None:
            continue
        wanted = _url_values(v)
        if st.query_params.get_all(key) != wanted:
            changed[key] = wanted[0] if len(wanted) == 1 else wanted
    if changed:
        st.query_params.update(changed)


def _warn(container, key: str, raw: Any, expected: str, used: Any) -> None:
    """A warning next to the widget: the parameter, the link's text (escaped), what was used."""
    shown = ", ".join(raw) if isinstance(raw, list) else raw
    used_text = ", ".join(_url_values(used))
    container.warning(f"The link's parameter **{escape_markdown(key)}** = “{escape_markdown(shown)}” "
                      f"{expected}; using **{escape_markdown(used_text) or 'nothing'}** instead.",
                      icon=":material/link_off:")


def _prepare(key: str, default: Any, valid: Callable[[Any], bool], parse: Callable[[Any], Any],
             expected: str, container, multi: bool = False, remounted: Sequence = ()) -> None:
    """Make sure the canonical and the widget value exist and are valid before drawing.

    parse: the URL's text (a list of texts when `multi`) -> a value; raises ValueError when the
    text means nothing, or _Substitute with an adjusted value. expected: what a valid value is,
    for the warning ("is not a whole number from 0 to 5"). remounted: the only values a remounted
    widget can resend (given for text: its empty start and the default); on a page switch any
    other value is the user's own change, which came in the same run (a sentence typed and a page
    clicked before the server got to either: Streamlit merges the two requests)."""
    keep = _keep(key)
    if keep not in st.session_state:
        start = default
        raw = st.query_params.get_all(key) if multi else st.query_params.get(key)
        if raw is not None and raw != []:
            try:
                parsed = parse(raw)
                if not valid(parsed):
                    raise ValueError(raw)
                start = parsed
            except _Substitute as sub:
                start = sub.value if valid(sub.value) else default
                _warn(container, key, raw, sub.note, start)
            except (TypeError, ValueError, OverflowError):
                _warn(container, key, raw, expected, default)
        st.session_state[keep] = start
    if not valid(st.session_state[keep]):
        st.session_state[keep] = default
    # On a page switch the browser resends a remounted widget's *initial* value, which Streamlit
    # prefers to the key's state: give the widget the canonical value explicitly. Not in a
    # fragment rerun: there the widget's new value is the user's change (resetting it made every
    # slider of a fragment snap back after a page switch).
    page_changed = st.session_state.get(_PAGE_CHANGED) and not _fragment_rerun()
    typed = remounted and key in st.session_state and st.session_state[key] not in remounted \
        and valid(st.session_state[key])
    if key not in st.session_state or not valid(st.session_state[key]):
        st.session_state[key] = st.session_state[keep]
    elif page_changed:  # a remounted widget takes only an assigned value: the typed one or the canonical
        st.session_state[key] = st.session_state[key] if typed else st.session_state[keep]
    st.session_state.setdefault(_MIRRORED, set()).add(key)


def _drawn(key: str, result: Any) -> Any:
    st.session_state[_keep(key)] = result
    publish()
    return result


def _number(integer: bool) -> Callable[[str], int | float]:
    def parse(raw: str) -> int | float:
        x = float(raw)  # "inf", "nan" and "1e400" parse; they are refused below
        if not math.isfinite(x) or (integer and x != int(x)):
            raise ValueError(raw)
        return int(x) if integer else x
    return parse


def _option(options: Sequence) -> Callable[[str], Any]:
    """An option from its URL spelling (str(option)): works for strings, ints and floats."""
    by_text = {_url_text(o): o for o in options}

    def parse(raw: str) -> Any:
        if raw not in by_text:
            raise ValueError(raw)
        return by_text[raw]
    return parse


def _choices(options: Sequence) -> str:
    shown = [_url_text(o) for o in options]
    return ", ".join(shown[:8]) + (", …" if len(shown) > 8 else "")


def slider(label: str, key: str, min_value: int | float, max_value: int | float,
           default: int | float, container=None, **kwargs) -> int | float:
    """st.slider mirrored in the URL as `key`; a one-valued range is shown as a caption."""
    container = container or st
    default = min(max(default, min_value), max_value)
    if max_value <= min_value:
        st.session_state[_keep(key)] = min_value
        container.caption(f"{label}: {min_value}")
        return min_value
    integer = all(isinstance(x, int) for x in (min_value, max_value, default))
    step = kwargs.get("step")
    kind = "a whole number" if integer else "a number"

    def valid(v: Any) -> bool:
        if not isinstance(v, int | float) or isinstance(v, bool) or not min_value <= v <= max_value:
            return False
        steps = (v - min_value) / step if step else 0
        return abs(steps - round(steps)) < 1e-9

    _prepare(key, default, valid, _number(integer), f"is not {kind} from {min_value} to {max_value}"
             + (f" in steps of {step}" if step else ""), container)
    return _drawn(key, container.slider(label, min_value, max_value, key=key, **kwargs))


def integer(key: str, min_value: int, max_value: int, default: int, container=None) -> int:
    """A whole number from min_value to max_value mirrored in the URL as `key`, for a value that
    no Streamlit widget draws (a browser component, or code, sets it with `set_value`). The URL is
    checked as `slider` checks it, with the same warning."""
    container = container or st
    default = min(max(default, min_value), max_value)

    def valid(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and min_value <= v <= max_value

    _prepare(key, default, valid, _number(True), f"is not a whole number from {min_value} to {max_value}",
             container)
    return _drawn(key, st.session_state[_keep(key)])


def option(key: str, options: Sequence, default: Any, container=None) -> Any:
    """One of `options` mirrored in the URL as `key`, for a value that no Streamlit widget draws
    (as `integer`); the URL is checked as `selectbox` checks it."""
    options = list(options)
    default = options[0] if default not in options else default
    _prepare(key, default, lambda v: v in options, _option(options),
             f"is not one of the choices ({_choices(options)})", container or st)
    return _drawn(key, st.session_state[_keep(key)])


def _one_of(widget: Callable, label: str, options: Sequence, key: str, default: Any, container,
            kwargs: dict) -> Any:
    """A one-option widget (selectbox, select_slider, segmented control) mirrored in the URL as `key`."""
    options = list(options)
    default = options[0] if default is None or default not in options else default
    _prepare(key, default, lambda v: v in options, _option(options),
             f"is not one of the choices ({_choices(options)})", container)
    return _drawn(key, widget(label, options, key=key, **kwargs))


def segmented(label: str, options: Sequence, key: str, default: Any = None, container=None,
              **kwargs) -> Any:
    """st.segmented_control (one option, always one) mirrored in the URL as `key`: for a few
    options a click picks one at once, where a selectbox needs two clicks and closes its list
    before it sends the change (~0.1 s)."""
    container = container or st
    return _one_of(container.segmented_control, label, options, key, default, container,
                   {"required": True, **kwargs})


def selectbox(label: str, options: Sequence, key: str, default: Any = None, container=None,
              **kwargs) -> Any:
    """st.selectbox mirrored in the URL as `key` (an option's URL spelling is str(option))."""
    container = container or st
    return _one_of(container.selectbox, label, options, key, default, container, kwargs)


def select_slider(label: str, options: Sequence, key: str, default: Any = None, container=None,
                  **kwargs) -> Any:
    """st.select_slider (one value) mirrored in the URL as `key`."""
    container = container or st
    return _one_of(container.select_slider, label, options, key, default, container, kwargs)


def multiselect(label: str, options: Sequence, key: str, default: Sequence = (), container=None,
                **kwargs) -> list:
    """st.multiselect mirrored in the URL as a repeated `key` (`?k=a&k=b`; an empty `?k=`
    selects nothing). Unknown entries in a link are dropped with a warning; the others stay."""
    container = container or st
    options = list(options)
    default = [o for o in default if o in options]
    pick = _option(options)

    def parse(raw: list[str]) -> list:
        texts = [r for r in raw if r != ""]
        known = [pick(r) for r in texts if r in map(_url_text, options)]
        if len(known) < len(texts):
            raise _Substitute(known, f"names choices that do not exist (they are: {_choices(options)})")
        return known

    _prepare(key, default, lambda v: isinstance(v, list) and all(x in options for x in v), parse,
             "is not a list of choices", container, multi=True)
    return _drawn(key, list(container.multiselect(label, options, key=key, **kwargs)))


def toggle(label: str, key: str, default: bool = False, container=None, **kwargs) -> bool:
    """st.toggle mirrored in the URL as `key` (1 or 0)."""
    container = container or st

    def parse(raw: str) -> bool:
        if raw.lower() not in _TRUE + _FALSE:
            raise ValueError(raw)
        return raw.lower() in _TRUE

    _prepare(key, default, lambda v: isinstance(v, bool), parse, "is not 1 or 0 (on or off)", container)
    return _drawn(key, container.toggle(label, key=key, **kwargs))


def text(label: str, key: str, default: str = "", container=None, area: bool = False,
         **kwargs) -> str:
    """st.text_input (or text_area) mirrored in the URL as `key`; a link's text longer than
    `max_chars` is cut to that length with a warning."""
    container = container or st
    limit = kwargs.get("max_chars")

    def parse(raw: str) -> str:
        if limit and len(raw) > limit:
            raise _Substitute(raw[:limit], f"is longer than {limit:,} characters")
        return raw

    _prepare(key, default, lambda v: isinstance(v, str) and not (limit and len(v) > limit), parse,
             "is not text", container, remounted=("", default))
    widget = container.text_area if area else container.text_input
    return _drawn(key, widget(label, key=key, **kwargs))


def tabs(labels: Sequence[str], key: str, container=None) -> tuple[Any, ...]:
    """st.tabs whose open tab is mirrored in the URL as `key` (the tab's label); the first tab
    is the default. Switching tabs reruns the page (so the URL follows)."""
    container = container or st
    labels = list(labels)
    _prepare(key, labels[0], lambda v: v in labels, _option(labels),
             f"is not one of the tabs ({_choices(labels)})", container)
    containers = container.tabs(labels, key=key, on_change="rerun")
    _drawn(key, st.session_state.get(key, labels[0]))
    return tuple(containers)


def parse_numbers(raw: str, min_count: int, max_count: int) -> tuple[np.ndarray, str]:
    """Typed numbers "2, 1, 0.1; -1" -> (float64 array, "") or (empty array, what is wrong).

    Entries are separated by commas or semicolons. Refused, with the offending text escaped for
    a message: entries that are not numbers, non-finite ones (nan, inf, 1e400, which overflows a
    float64), and fewer than `min_count` or more than `max_count` entries."""
    entries = [x.strip() for x in raw.replace(";", ",").split(",") if x.strip()]
    values, bad = [], []
    for entry in entries:
        try:
            x = float(entry)
        except ValueError:
            x = math.nan
        if math.isfinite(x):
            values.append(x)
        else:
            bad.append(entry)
    if bad:
        return np.array([]), (f"“{escape_markdown(', '.join(bad))}” "
                               f"{'is not a finite number' if len(bad) == 1 else 'are not finite numbers'} "
                               "(a float64 holds at most ±1.8e308)")
    if not min_count <= len(values) <= max_count:
        return np.array([]), f"{len(values)} numbers typed"
    return np.array(values, dtype=np.float64), ""
