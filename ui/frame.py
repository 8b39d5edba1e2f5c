"""The shared page frame: sidebar (model, sentences, presentation mode), cached capture, figures.

Every page calls `frame(title)` first, so a page works the same when Streamlit runs it alone
(a bookmark on a fresh server, AppTest) as inside `app.py`'s navigation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from core.capture import Capture, mb
from ui import cache, menu, policy, state
from ui.escape import md
from viz.theme import export_name, name_model, presentation

DEFAULT_SENTENCE = "The dog ate the cat because it was hungry"
CUSTOM = "other: hub id or local folder…"
DEFAULT_MODEL = "minilm"


def model_names() -> dict[str, str]:
    """Model picker entries: name -> one-line description."""
    from core.load import AVAILABLE

    return dict(AVAILABLE)


def custom_models_allowed() -> bool:
    """Hub ids and server folders are off on a shared classroom server (ui/policy.py)."""
    return not policy.shared_mode()


@dataclass
class Frame:
    """What the sidebar says, and cached access to the model's capture of it."""

    title: str
    model_name: str
    sentence: str
    sentence_b: str
    presentation: bool

    def model(self):
        """The loaded model, or None. When the chosen model cannot be loaded, an error box says
        why and the page goes on with the last model that worked."""
        model = _load(self.model_name)
        fallback = st.session_state.get("_last_good_model", DEFAULT_MODEL)
        if model is None and fallback != self.model_name:
            st.info(f"Showing **{md(fallback)}**, the last model that loaded.")
            self.model_name = fallback
            model = _load(fallback)
        return model

    def capture(self, text: str | None = None, *, pair: str | None = None,
                target: str | None = None, grads: bool = False,
                names: tuple[str, ...] | None = None) -> Capture | None:
        """The capture of `text` (default: the sidebar sentence), or None after a friendly message.
        names: what the page draws (captured alone when everything would not fit; it says so)."""
        text = self.sentence if text is None else text
        if not text or not text.strip():
            st.info("Type a sentence in the sidebar to see its attention.", icon=":material/edit:")
            return None
        if self.model() is None:
            return None
        try:
            t = time.perf_counter()
            cap = cache.get_capture(self.model_name, text, pair, target, grads, names)
            st.session_state["_last_capture_ms"] = (time.perf_counter() - t) * 1000
        except (ValueError, LookupError) as exc:
            st.error(f"Could not run **{md(self.model_name)}** on this text: {md(exc)}")
            return None
        except Exception as exc:  # an architecture the capture cannot read, or a model-side failure
            st.error(f"This model's attention can't be shown here: {type(exc).__name__}: {md(exc)}")
            return None
        if cap.meta.get("names"):
            st.caption(f":material/memory: Long input: capturing every quantity of all {len(cap.tokens)} "
                       f"tokens would take more than {mb(cache.FULL_CAPTURE_BYTES)}, so this page captured "
                       f"only what it draws ({', '.join(cap.meta['names'])}: {mb(cap.nbytes)}).")
        if cap.meta.get("truncated"):
            kept = cap.meta["n_tokens_kept"]
            st.warning(f"The text has {cap.meta['n_tokens_original']} tokens; this model reads at most "
                       f"{kept}, so only the first {kept} are shown.")
        return cap


def intro(text: str) -> None:
    """A page's introduction: shown as text, folded into an expander in presentation mode so the
    figure comes first on a projector."""
    if state.value("present", False):
        st.expander("About this page", icon=":material/info:").markdown(text)
    else:
        st.markdown(text)


def require_capture(f: Frame, text: str | None = None, **kwargs) -> Capture:
    """f.capture(...), or end this page run after the friendly message it showed."""
    cap = f.capture(text, **kwargs)
    if cap is None:
        st.stop()
    return cap


def _load(name: str):
    failed = st.session_state.get("_failed_models", {})
    if name in failed:  # don't probe the network again on every widget change
        st.error(f"Could not load model **{md(name)}**: {md(failed[name])}")
        return None
    try:
        bar = None

        def progress(fraction: float, message: str) -> None:
            nonlocal bar
            bar = bar or st.progress(0.0, text=message)
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        with st.spinner(f"Loading {md(name)}…"):
            model = cache.get_model(name, progress)
        st.session_state["_last_good_model"] = name
        return model
    except Exception as exc:  # any loader failure becomes a message; the app keeps working
        st.session_state.setdefault("_failed_models", {})[name] = str(exc)
        st.error(f"Could not load model **{md(name)}**: {md(exc)}")
        return None


def frame(title: str, *, icon: str | None = None) -> Frame:
    """Draw the shared sidebar and the page title; return the user's choices.

    icon: a Material icon such as ":material/grid_view:" (emoji are not drawn)."""
    # app.py sets this too; a page that Streamlit runs alone (a bookmark on a fresh server)
    # must still get the wide layout its figures are designed for.
    st.set_page_config(page_title=f"{title} · Attention Lab", layout="wide")
    state.note_page(_page_id(title))
    sb = st.sidebar
    menu.draw(sb)
    sb.divider()
    sb.markdown("**Your model and sentence**")
    names = model_names()
    last_good = st.session_state.get("_last_good_model", DEFAULT_MODEL)  # fallback for empty input
    options = [*names, CUSTOM] if custom_models_allowed() else list(names)
    choice = state.selectbox("Model", options, "model", default=DEFAULT_MODEL, container=sb,
                             format_func=lambda n: n if n == CUSTOM else f"{n} · {names[n]}")
    model_name = choice
    if choice == CUSTOM:
        custom = state.text("Hugging Face hub id or local folder", "model_path", "", container=sb,
                            placeholder="gpt2, bert-base-uncased, /path/to/model")
        model_name = custom.strip() or last_good
    sentence = state.text("Sentence", "s", DEFAULT_SENTENCE, container=sb, area=True, height=90,
                          max_chars=20000)
    sentence_b = state.text("Second sentence (Compare)", "s2", "", container=sb,
                            placeholder="The cat ate the dog")
    present = state.toggle("Presentation mode (projector)", "present", False, container=sb,
                           help="Large fonts and high contrast for a lecture hall.")
    if present:  # larger body text in the main area; titles and the sidebar keep their sizes
        st.markdown("<style>[data-testid='stMain'] [data-testid='stMarkdownContainer'] p, "
                    "[data-testid='stMain'] [data-testid='stMarkdownContainer'] li "
                    "{font-size: 1.25rem; line-height: 1.5;}</style>", unsafe_allow_html=True)
    # Only Material icons: emoji need a colour-emoji font that projectors' and CI's Chromium lack.
    st.title(f"{icon} {title}" if icon and icon.startswith(":material/") else title)
    return Frame(title, model_name, sentence, sentence_b, present)


def _page_id(title: str) -> str:
    """Which page this run draws (the script's hash under st.navigation, else the title)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return (ctx.page_script_hash if ctx is not None else "") or title
    except ImportError:
        return title


def show_figure(fig: go.Figure, key: str, *, capture: Capture | None = None,
                on_select: str = "ignore", selection_mode=("points",), export: bool = True,
                model: str | None = None):
    """Draw `fig` (in the projector theme when presentation mode is on) with export buttons.

    model (default: the capture's model): put in the title and the export file names (in place:
    `fig` is the caller's figure made to be shown, not copied).
    Returns the chart's selection state when `on_select="rerun"`."""
    model = model or (capture.meta.get("model") if capture is not None else None)
    fig = as_shown(fig, model)
    result = st.plotly_chart(fig, key=key, on_select=on_select, selection_mode=selection_mode,
                             config={"displaylogo": False,
                                     "toImageButtonOptions": {"format": "png", "scale": 2}})
    if export:
        export_buttons(fig, key, capture, model)
    return result


def as_shown(fig: go.Figure, model: str | None) -> go.Figure:
    """`fig` as a page shows it: the model in the title, the projector theme when presentation
    mode is on (in place when it is off)."""
    fig = name_model(fig, model)
    return presentation(fig) if state.value("present", False) else fig


def export_buttons(fig: go.Figure | Callable[[], go.Figure], key: str, capture: Capture | None = None,
                   model: str | None = None) -> None:
    """PNG, SVG, offline HTML and (with a capture) tensors; files are made only when clicked.
    fig: the figure, or a function that makes it (called only on a click)."""
    from viz import export

    make = fig if callable(fig) else (lambda: fig)

    row = st.container(horizontal=True, gap="small")
    row.download_button("PNG", lambda: _image(make(), "png"), export_name(key, model, "png"), "image/png",
                        key=f"{key}__png", on_click="ignore", icon=":material/download:")
    row.download_button("SVG", lambda: _image(make(), "svg"), export_name(key, model, "svg"), "image/svg+xml",
                        key=f"{key}__svg", on_click="ignore", icon=":material/download:")
    row.download_button("HTML", lambda: export.to_html(make()), export_name(key, model, "html"), "text/html",
                        key=f"{key}__html", on_click="ignore", icon=":material/download:",
                        help="Standalone page with plotly.js embedded: opens offline.")
    if capture is not None:
        fetch = cache.refetcher(capture)  # holds a cache key, not the (large) capture itself
        row.download_button("Tensors", lambda: export.capture_to_npz(fetch()),
                            export_name(f"{key}-tensors", model, "zip"),
                            "application/zip", key=f"{key}__npz", on_click="ignore",
                            icon=":material/download:",
                            help="tensors.npz (every captured tensor) + tokens.json")


def _image(fig: go.Figure, fmt: str) -> bytes:
    from viz import export

    return export.to_image(fig, fmt)
