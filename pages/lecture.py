"""Lecture: present a flashcard deck card by card, each with the live figure that answers it."""

import html

import streamlit as st

from ui import lecture_app as la
from ui import state
from ui.catalog import by_name, deep_link, suggest
from ui.frame import frame, show_figure
from ui.lecture import links_json
from ui.menu import link

f = frame("Lecture", icon=":material/co_present:")
lecture = la.current()
slides = lecture.slides
n = len(slides)

FIGURE_HEIGHT = 430  # projector: the tallest figure that fits 1280x720 below the nav row and 2-line card
st.markdown(
    "<style>.lecture-q{font-size:2.3rem;font-weight:700;line-height:1.2;margin:.2rem 0 .6rem}"
    ".lecture-a{font-size:1.5rem;line-height:1.4} .lecture-a li{margin:.2rem 0}"
    # with its figure on, the card steps back (smaller type) so the figure fits the screen
    ".lecture-q.with-figure{font-size:1.6rem;margin:0 0 .3rem} .lecture-a.with-figure{font-size:1.15rem}"
    + (  # projector: the card, not the page title, gets the screen
        "[data-testid='stMain'] h1{display:none} [data-testid='stMainBlockContainer']{padding-top:1.5rem}"
        if f.presentation
        else ""
    )
    + "</style>",
    unsafe_allow_html=True,
)

if f.presentation:  # projector: the jump list, screen and deck loader fold into the nav row's "Cards"
    nav = st.container(horizontal=True, gap="small")
    top = [nav.popover("Cards", icon=":material/list:")] * 3
else:
    top, nav = st.columns([3, 2, 2]), None
card_no = int(
    state.selectbox(
        "Jump to card",
        list(range(1, n + 1)),
        "card",
        default=1,
        container=top[0],
        format_func=lambda i: f"{i}. {slides[i - 1].card.question[:70]}",
    )
)
screen = state.selectbox(
    "Screen",
    ["slides", "speaker notes"],
    "screen",
    default="slides",
    container=top[1],
    help="Speaker notes: open this page a second time (another tab or device) on "
    "'speaker notes' and step through the same cards there.",
)
with top[2]:
    la.deck_loader()
slide = slides[card_no - 1]
card = slide.card
revealed = st.session_state.setdefault("_lec_revealed", set())
figured = st.session_state.setdefault("_lec_figured", set())


def go(to: int) -> None:
    state.set_value("card", min(max(to, 1), n))


def flip(flags: set, number: int) -> None:
    flags.symmetric_difference_update({number})


nav = nav or st.container(horizontal=True, gap="small")
BUTTONS = [  # label, widget key, icon, action, arguments, disabled, keys
    ("Previous", "lec_prev", "arrow_back", go, (card_no - 1,), card_no == 1, "Left arrow or Page Up"),
    ("Next", "lec_next", "arrow_forward", go, (card_no + 1,), card_no == n, "Right arrow, Page Down, space"),
    ("Answer", "lec_reveal", "visibility", flip, (revealed, card_no), False, "Key A or Enter"),
    ("Figure", "lec_figure", "insert_chart", flip, (figured, card_no), False, "Key F"),
]
for label, key, icon, action, args, disabled, keys in BUTTONS:
    nav.button(
        label, key=key, icon=f":material/{icon}:", on_click=action, args=args, disabled=disabled, help=keys
    )
deck_title = "" if f.presentation else f" · {la.escape(lecture.deck.title or lecture.name)}"  # one nav row
nav.markdown(f"Card **{card_no}** of **{n}**{deck_title}")
la.keyboard(
    {
        "ArrowRight": "lec_next",
        "PageDown": "lec_next",
        " ": "lec_next",
        "ArrowLeft": "lec_prev",
        "PageUp": "lec_prev",
        "a": "lec_reveal",
        "Enter": "lec_reveal",
        "f": "lec_figure",
    }
)

staged = f.presentation and screen == "slides" and bool(slide.views) and card_no in figured
staged = " with-figure" if staged else ""
st.markdown(f"<div class='lecture-q{staged}'>{html.escape(card.question)}</div>", unsafe_allow_html=True)
if "no answer" in card.flags:
    st.caption("The deck has no answer for this card.")
if screen == "speaker notes" or card_no in revealed:
    items = "".join(f"<li>{html.escape(a)}</li>" for a in card.answer) or "<li>(no answer in the deck)</li>"
    st.markdown(f"<ul class='lecture-a{staged}'>{items}</ul>", unsafe_allow_html=True)

if screen == "speaker notes":
    st.subheader("Notes")
    for note in card.notes or ["(no notes on this card)"]:
        st.text(note)
    if card_no < n:
        st.caption(f"Next: {la.escape(slides[card_no].card.question)}")
    st.stop()

views = slide.views
if not views:
    st.caption(la.escape(slide.reason))
    wanted = st.toggle(
        "Suggest figures for this card",
        key="lec_suggest",
        value=not lecture.is_example,
        help="Ranks every figure by meaning against the card (MiniLM sentence embeddings).",
    )
    if wanted:
        picks = suggest(card.text, k=3)
        score = {v.name: s for v, s in picks}
        choice = st.radio(
            "Figure for this card",
            ["none", *score],
            key=f"lec_pick_{card_no}",
            format_func=lambda name: (
                "no figure" if name == "none" else f"{by_name(name).title} (match {score[name]:.2f})"
            ),
        )
        if st.button("Use this figure", key="lec_accept", icon=":material/check:", disabled=choice == "none"):
            lecture.links[card.question] = {"views": [choice], "none": ""}
            figured.add(card_no)
            st.rerun()

if views and card_no in figured:
    names = [v.name for v in views]
    title_of = {v.name: v.title for v in views}
    if len(names) == 1:
        name = names[0]
    elif f.presentation:  # projector: one line, however long the titles
        name = st.selectbox("Figure", names, key=f"lec_view_{card_no}", format_func=title_of.get,
                            label_visibility="collapsed", width=520)
    else:
        name = st.radio("Figure", names, key=f"lec_view_{card_no}", horizontal=True, format_func=title_of.get)
    view = by_name(name)
    if view.uses_sentence and not f.presentation:
        st.caption("Drawn live from the sentence in the sidebar: type another one there.")
    try:
        fig = view.draw(la.context(f))
    except Exception as exc:  # a model that failed to load, or a sentence the figure cannot use
        st.error(la.escape(f"This figure could not be drawn: {type(exc).__name__}: {exc}"))
    else:
        if f.presentation:
            fig = la.fit_height(fig, FIGURE_HEIGHT)
        show_figure(fig, f"lecture_{view.name}", export=False)
    link(st, view.page, f"Open the full page: {view.title}", ":material/open_in_new:")
elif views:
    st.caption(f"Figure ready: {', '.join(v.title for v in views)}. Press F or the Figure button.")

with st.expander("Follow along on your own device", icon=":material/qr_code_2:"):
    base = st.text_input(
        "Address students use to reach this app",
        la.base_url() or "http://localhost:8501",
        key="lec_base",
        help="Use the lecture machine's network address, not localhost.",
    )
    if lecture.is_example:
        url = f"{base.rstrip('/')}/lecture?card={card_no}"
    elif views:
        url = deep_link(views[0], base, f.sentence)
    else:
        url = f"{base.rstrip('/')}/lecture"
    st.text(url)
    st.image(la.qr_png(url), caption="Scan to open this view", width=220)

with st.expander("Export the lecture", icon=":material/download:"):
    st.caption("Build once (every figure is drawn; the first time takes up to a minute), then download.")
    if st.button("Build the exports", key="lec_build", icon=":material/build:"):
        from ui.lecture import contents
        from viz.lecture import export_summary, handout_html, lecture_html

        with st.spinner("Drawing every figure…"):
            built = contents(slides, la.context(f))
            page = lecture_html(lecture.deck.title or lecture.name, built)
        st.session_state["_lec_export"] = (
            page,
            handout_html(lecture.deck.title or lecture.name, built),
            built,
        )
        st.session_state["_lec_export_size"] = export_summary(page)
    if "_lec_export" in st.session_state:
        from ui.lecture import slide_pngs

        page, handout, built = st.session_state["_lec_export"]
        size = st.session_state["_lec_export_size"]
        st.caption(
            f"Lecture HTML: {size['bytes'] / 1e6:.1f} MB, {size['figures']} interactive figures, "
            "plotly.js embedded once; opens offline."
        )
        row = st.container(horizontal=True, gap="small")
        row.download_button(
            "Lecture (HTML)",
            page,
            "lecture.html",
            "text/html",
            key="lec_dl_html",
            icon=":material/download:",
            on_click="ignore",
        )
        row.download_button(
            "Handout (HTML, printable)",
            handout,
            "handout.html",
            "text/html",
            key="lec_dl_handout",
            icon=":material/print:",
            on_click="ignore",
        )
        row.download_button(
            "One PNG per slide (zip)",
            lambda: slide_pngs(built),
            "slides.zip",
            "application/zip",
            key="lec_dl_png",
            icon=":material/image:",
            on_click="ignore",
        )
st.download_button(
    "Save the links with the deck (JSON)",
    links_json(lecture.name, slides),
    f"{lecture.name.rsplit('.', 1)[0]}.links.json",
    "application/json",
    key="lec_dl_links",
    icon=":material/link:",
    on_click="ignore",
    help="Which figure answers each card; load it next time with the deck.",
)
la.report(lecture)
state.publish()
