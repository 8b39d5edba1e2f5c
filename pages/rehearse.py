"""Rehearse: students go through the deck shuffled, question first, and mark what they knew."""

import html

import streamlit as st

from ui import lecture_app as la
from ui import rehearse as rh
from ui import state
from ui.catalog import deep_link
from ui.frame import frame
from ui.menu import link

f = frame("Rehearse the deck", icon=":material/school:")
lecture = la.current()
slides = lecture.slides
n = len(slides)
st.markdown(
    "Cards come **shuffled, question first**. Think of the answer, reveal it, and say whether you "
    "knew it. *Again* cards come back after the others. Your progress is in this page's address "
    "(bookmark it) or in a file you can download: nothing is stored on the server."
)

raw_seed = state.text("Shuffle number", "rh_seed", "1", max_chars=9)
seed = int(raw_seed) if raw_seed.strip().isdigit() else 1
if not raw_seed.strip().isdigit():
    st.caption("The shuffle number is a whole number: using 1.")
marks = st.query_params.get("rh_marks", "." * n)
if not rh.valid(marks, n):
    if marks != "." * n:
        st.info("The progress in the address does not fit this deck: starting afresh.")
    marks = "." * n


def save(new_marks: str) -> None:
    st.query_params["rh_marks"] = new_marks
    st.session_state.pop("_rh_shown", None)


done = rh.progress(marks)
cols = st.columns(3)
for col, (label, count) in zip(cols, done.items(), strict=True):
    col.metric(label, count)
current = rh.next_card(marks, seed)
if current is None:
    st.success(f"You knew all {n} cards. Start again with another shuffle number, or reset.")
else:
    slide = slides[current]
    question = html.escape(slide.card.question)
    st.markdown(f"<div style='font-size:2rem;font-weight:700'>{question}</div>", unsafe_allow_html=True)
    shown = st.session_state.get("_rh_shown") == current
    if not shown:
        if st.button("Reveal the answer", key="rh_reveal", icon=":material/visibility:"):
            st.session_state["_rh_shown"] = current
            st.rerun()
    else:
        for line in slide.card.answer or ["(the deck has no answer for this card)"]:
            st.text(line)
        if slide.views:
            link(st, slide.views[0].page, f"See it: {slide.views[0].title}", ":material/insert_chart:")
            st.caption(f"Link to share: {deep_link(slide.views[0], la.base_url(), f.sentence)}")
        row = st.container(horizontal=True, gap="small")
        for label, key, icon, knew in (("Knew it", "rh_knew", "check_circle", True),
                                       ("Again", "rh_again", "replay", False)):
            row.button(label, key=key, icon=f":material/{icon}:", on_click=save,
                       args=(rh.mark(marks, current, knew),))
    la.keyboard({" ": "rh_reveal", "Enter": "rh_reveal", "k": "rh_knew", "a": "rh_again"})

st.divider()
row = st.container(horizontal=True, gap="small")
row.download_button(
    "Download my progress",
    rh.to_file(lecture.name, seed, marks),
    "rehearse-progress.json",
    "application/json",
    key="rh_download",
    icon=":material/download:",
    on_click="ignore",
)
row.button("Reset", key="rh_reset", icon=":material/restart_alt:", on_click=save, args=("." * n,))
upload = st.file_uploader("Continue from a progress file", type=["json"], key="rh_upload")
if upload is not None and st.session_state.get("_rh_loaded") != upload.file_id:
    try:
        seed_loaded, marks_loaded = rh.from_file(upload.getvalue().decode("utf-8", errors="replace"), n)
    except ValueError as exc:
        st.error(la.escape(str(exc)))
    else:
        st.session_state["_rh_loaded"] = upload.file_id
        state.set_value("rh_seed", str(seed_loaded))
        save(marks_loaded)
        st.rerun()
state.publish()
