"""Streamlit glue shared by the lecture pages (presenter, rehearse, coverage): which deck is open,
its links, the keyboard bridge, the follow-along URL and its QR code."""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass, field

import streamlit as st
import streamlit.components.v1 as components

from core.labs.deck import Deck, DeckError, read_deck
from ui import cache, state
from ui.catalog import Context, View
from ui.lecture import LinksError, Slide, example, parse_links, plan

KEY = "_lecture"  # session key of the open lecture
EXAMPLE = "example"


@dataclass
class Lecture:
    name: str
    deck: Deck
    links: dict[str, dict] = field(default_factory=dict)

    @property
    def slides(self) -> list[Slide]:
        return plan(self.deck, self.links)

    @property
    def is_example(self) -> bool:
        return self.name == EXAMPLE


@st.cache_resource(show_spinner=False)
def _example() -> Lecture:
    deck, slides = example()
    links = {s.card.question: {"views": [v.name for v in s.views], "none": s.reason} for s in slides}
    return Lecture(EXAMPLE, deck, links)


def current() -> Lecture:
    """The lecture open in this session (the example deck until the user loads another)."""
    lecture = st.session_state.get(KEY)
    if lecture is None:
        base = _example()
        lecture = Lecture(base.name, base.deck, dict(base.links))
        st.session_state[KEY] = lecture
    return lecture


def deck_loader(container=None) -> None:
    """Upload a deck (plain, Anki plain-text export, Markdown) and optionally its links file."""
    box = container or st
    with box.expander("Load your own deck", icon=":material/upload_file:"):
        st.caption(
            "Plain text (question line, answer lines), Anki's 'Notes in Plain Text' export, or "
            "Markdown (## question, then the answer). Add the links file you saved with it, if any."
        )
        deck_file = st.file_uploader("Deck file", type=["txt", "md", "csv", "tsv"], key="lec_deck_file")
        links_file = st.file_uploader("Links file (optional)", type=["json"], key="lec_links_file")
        c1, c2 = st.columns(2)
        if c1.button(
            "Open this deck", key="lec_open", disabled=deck_file is None, icon=":material/folder_open:"
        ):
            _open_upload(deck_file, links_file)
        if c2.button("Back to the example deck", key="lec_example", icon=":material/restart_alt:"):
            st.session_state.pop(KEY, None)
            state.set_value("card", 1)
            st.rerun()


def _open_upload(deck_file, links_file) -> None:
    try:
        deck = read_deck(deck_file.getvalue())
        links = parse_links(links_file.getvalue().decode("utf-8", errors="replace")) if links_file else {}
    except (DeckError, LinksError) as exc:
        st.error(escape(f"Could not open {deck_file.name}: {exc}"))
        return
    st.session_state[KEY] = Lecture(deck_file.name, deck, links)
    state.set_value("card", 1)
    st.rerun()


def report(lecture: Lecture) -> None:
    """What the parser skipped, its warnings, and cards without an answer: nothing silent."""
    deck = lecture.deck
    for warning in deck.warnings:
        st.warning(escape(warning))
    if deck.skipped:
        with st.expander(f"{len(deck.skipped)} line(s) skipped while reading the deck"):
            st.table([{"line": s.line, "text": s.text[:80], "why": s.reason} for s in deck.skipped])


def escape(text: str) -> str:
    """User text made safe for st.markdown / st.error (no links, images or HTML from it)."""
    out = html.escape(text, quote=False)
    for ch in "\\`*_{}[]()#+-.!|~<>$":
        out = out.replace(ch, "\\" + ch)
    return out


def context(f) -> Context:
    """A catalogue Context on the sidebar's model and sentence, through the shared capture cache."""
    name = f.model_name
    return Context(
        sentence=f.sentence,
        sentence_b=f.sentence_b,
        capture=lambda text, grads=False: cache.get_capture(name, text, None, None, grads),
        model_name=name,
        load=cache.get_model,
    )


def keyboard(bindings: dict[str, str]) -> None:
    """Key presses anywhere on the page click buttons: {key (KeyboardEvent.key): button widget key}.

    Streamlit has no global key events; this zero-height component listens on the parent document
    (same origin) and clicks the button whose container has the class `st-key-<widget key>`.
    Typing in a text box is left alone."""
    script = """<script>
const doc = window.parent.document, map = MAP;
if (doc.__lectureKeys) doc.removeEventListener('keydown', doc.__lectureKeys);
doc.__lectureKeys = function (e) {
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const key = map[e.key];
  if (!key) return;
  const button = doc.querySelector('.st-key-' + key + ' button');
  if (button && !button.disabled) { e.preventDefault(); button.click(); }
};
doc.addEventListener('keydown', doc.__lectureKeys);
</script>""".replace("MAP", json.dumps(bindings))
    components.html(script, height=0)


def base_url() -> str:
    """The app's address as the browser sees it (scheme://host:port), or '' outside a browser."""
    url = getattr(st.context, "url", None) or ""
    if "://" not in url:
        return ""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def qr_png(url: str) -> bytes:
    """A QR code (PNG) of `url` (segno, error correction M)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def view_caption(view: View) -> str:
    return f"**{view.title}**: {view.description}"


def fit_height(fig, height: int):
    """A copy of `fig` no taller than `height` pixels once show_figure has drawn it in the projector
    theme (which grows figures: its growth is measured, not assumed)."""
    from plotly.graph_objects import Figure

    from viz.theme import presentation

    grow = (presentation(Figure(layout={"height": 1000})).layout.height or 1000) / 1000
    limit = int(height / grow)
    return fig if (fig.layout.height or limit) <= limit else Figure(fig).update_layout(height=limit)
