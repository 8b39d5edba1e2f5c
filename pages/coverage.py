"""Coverage: every card of the open deck with the figure that answers it, or why it has none."""

import streamlit as st

from ui import lecture_app as la
from ui import state
from ui.frame import frame, show_figure
from ui.lecture import coverage
from viz.lecture import coverage_figure

f = frame("Deck coverage", icon=":material/checklist:")
lecture = la.current()
slides = lecture.slides
cov = coverage(slides)
st.markdown(
    f"**{la.escape(lecture.deck.title or lecture.name)}**: {cov['cards']} cards, "
    f"**{cov['with_figure']}** answered by a live figure, "
    f"{cov['cards'] - cov['with_figure']} without one (grouped by reason below). "
    "Link more cards in the presenter (Lecture page): it suggests figures for each card."
)
show_figure(
    coverage_figure(cov["with_figure"], {r: len(c) for r, c in cov["without"].items()}),
    "coverage",
    export=True,
)
only = state.selectbox(
    "Show", ["all cards", "without a figure", "with a figure"], "cov_filter", default="all cards"
)
rows = [
    {
        "card": s.number,
        "line": s.card.line,
        "question": s.card.question,
        "figure": ", ".join(v.title for v in s.views) or "—",
        "why none": s.reason if not s.views else "",
    }
    for s in slides
    if only == "all cards" or (only == "with a figure") == bool(s.views)
]
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={"question": st.column_config.TextColumn(width="large")},
)
la.report(lecture)
state.publish()
